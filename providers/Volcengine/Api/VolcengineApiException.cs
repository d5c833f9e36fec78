namespace CocoonNet.Providers.Volcengine.Api;

/// <summary>
/// An OpenAPI call failed: the cloud's <c>ResponseMetadata.Error</c> (code and message verbatim), or a
/// transport failure (code <c>Transport</c>). The message names the action and the object it concerned and,
/// where cocoon-net knows one, a hint at what to do.
/// </summary>
public sealed class VolcengineApiException : Exception
{
    internal VolcengineApiException(string action, string? target, string code, string cloudMessage, string? requestId, int httpStatus, Exception? inner = null)
        : base(Describe(action, target, code, cloudMessage, requestId), inner)
    {
        Action = action;
        Code = code;
        CloudMessage = cloudMessage;
        HttpStatus = httpStatus;
    }

    public const string TransportCode = "Transport";

    public string Action { get; }

    public string Code { get; }

    public string CloudMessage { get; }

    public int HttpStatus { get; }

    public bool IsNotFound => Code.EndsWith(".NotFound", StringComparison.Ordinal) || Code is "ResourceNotFound" or "NotFound";

    private static string Describe(string action, string? target, string code, string message, string? requestId)
    {
        var hint = ApiErrorClassifier.Hint(code);
        return $"{action}{(target is null ? "" : $" {target}")}: {code}: {message}"
            + (requestId is null ? "" : $" (request {requestId})")
            + (hint is null ? "" : $"; {hint}");
    }
}
