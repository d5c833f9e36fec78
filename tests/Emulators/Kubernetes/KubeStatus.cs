using System.Text.Json.Nodes;

namespace CocoonNet.Emulators.Kubernetes;

/// <summary>
/// metav1.Status answers. API conventions (community/contributors/devel/sig-architecture/api-conventions.md,
/// "Response Status Kind"): failures return kind Status with status "Failure", a machine-readable reason
/// (NotFound 404, AlreadyExists 409, Conflict 409, Invalid 422, TooManyRequests 429 with details.retryAfterSeconds
/// and a Retry-After header, Expired 410, InternalError 500, ServiceUnavailable 503), a message and code.
/// </summary>
internal static class KubeStatus
{
    public static JsonObject Failure(int code, string reason, string message, ApiResource? resource = null, string? name = null, int? retryAfterSeconds = null)
    {
        var details = new JsonObject();
        if (name is not null)
        {
            details["name"] = name;
        }

        if (resource is not null)
        {
            details["group"] = resource.Group;
            details["kind"] = resource.Plural;
        }

        if (retryAfterSeconds is { } s)
        {
            details["retryAfterSeconds"] = s;
        }

        return new JsonObject
        {
            ["kind"] = "Status",
            ["apiVersion"] = "v1",
            ["metadata"] = new JsonObject(),
            ["status"] = "Failure",
            ["message"] = message,
            ["reason"] = reason,
            ["details"] = details,
            ["code"] = code,
        };
    }

    /// <summary>What DELETE answers for a resource deleted at once (the registry's finalizeDelete without ReturnDeletedObject).</summary>
    public static JsonObject Success(ApiResource resource, string name, string? uid) => new()
    {
        ["kind"] = "Status",
        ["apiVersion"] = "v1",
        ["metadata"] = new JsonObject(),
        ["status"] = "Success",
        ["details"] = new JsonObject { ["name"] = name, ["group"] = resource.Group, ["kind"] = resource.Plural, ["uid"] = uid },
    };

    public static JsonObject NotFound(ApiResource r, string name) =>
        Failure(404, "NotFound", $"{r.QualifiedName} \"{name}\" not found", r, name);

    public static JsonObject AlreadyExists(ApiResource r, string name) =>
        Failure(409, "AlreadyExists", $"{r.QualifiedName} \"{name}\" already exists", r, name);

    /// <summary>The apiserver's optimistic-concurrency message (api-concepts, "Resource versions"; errors.NewConflict).</summary>
    public static JsonObject Conflict(ApiResource r, string name, string why) =>
        Failure(409, "Conflict", $"Operation cannot be fulfilled on {r.QualifiedName} \"{name}\": {why}", r, name);

    public static JsonObject Invalid(ApiResource r, string name, string message) =>
        Failure(422, "Invalid", $"{r.Kind} \"{name}\" is invalid: {message}", r, name);

    public static JsonObject BadRequest(string message) => Failure(400, "BadRequest", message);

    public static string ReasonFor(int code) => code switch
    {
        400 => "BadRequest",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "NotFound",
        409 => "Conflict",
        410 => "Expired",
        422 => "Invalid",
        429 => "TooManyRequests",
        503 => "ServiceUnavailable",
        504 => "Timeout",
        _ => "InternalError",
    };

    public static IResult Result(JsonObject status) =>
        Results.Text(status.ToJsonString(), "application/json", statusCode: status["code"]?.GetValue<int>() ?? 200);
}
