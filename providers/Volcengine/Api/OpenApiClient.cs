using System.Globalization;
using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace CocoonNet.Providers.Volcengine.Api;

/// <summary>
/// Calls one OpenAPI action: GET with <c>Action</c>, <c>Version</c> and the flattened parameters in the
/// query, signed afresh on every attempt, paced by <see cref="RequestPacer"/>, retried by
/// <see cref="OpenApiRetry"/>. Success or failure is decided by <c>ResponseMetadata.Error.Code</c>, never by
/// the HTTP status alone: the gateway reports throttling with 200, 400 or 429 alike.
/// </summary>
internal sealed class OpenApiClient(
    HttpClient http,
    VolcengineSettings settings,
    ApiSession session,
    OpenApiRetry retry,
    RequestPacer pacer,
    TimeProvider time)
{
    public const string Version = "2020-04-01";
    private static readonly TimeSpan AttemptTimeout = TimeSpan.FromSeconds(20);

    /// <summary>Calls <paramref name="action"/> of <paramref name="service"/>; <paramref name="target"/> names the object it concerns (e.g. an ENI id) in errors and logs.</summary>
    public async Task<T> CallAsync<T>(
        string service, string action, QueryParameters parameters, JsonTypeInfo<T> resultType, string? target, CancellationToken cancellationToken)
    {
        return await retry.ExecuteAsync(action, target, async ct =>
        {
            // Every attempt waits for its slot: a retry counts against the flow limit like any request.
            await pacer.WaitAsync(ct).ConfigureAwait(false);
            // Keys per attempt, after the wait: instance-role keys may have been refreshed since the last one.
            var credentials = await session.GetAsync(ct).ConfigureAwait(false);
            return await CloudRequestMeter.MeasureAsync(action, time, () => SendAsync(service, action, parameters, resultType, target, credentials, ct)).ConfigureAwait(false);
        }, cancellationToken).ConfigureAwait(false);
    }

    private async Task<T> SendAsync<T>(
        string service, string action, QueryParameters parameters, JsonTypeInfo<T> resultType, string? target,
        Credentials.VolcengineCredentials credentials, CancellationToken cancellationToken)
    {
        var pairs = new List<KeyValuePair<string, string>>(parameters.Pairs) { new("Action", action), new("Version", Version) };
        var query = QueryEncoding.Canonical(pairs);
        var uri = new Uri(settings.Endpoint, "?" + query);
        var xDate = time.GetUtcNow().UtcDateTime.ToString(RequestSigner.DateFormat, CultureInfo.InvariantCulture);

        using var request = new HttpRequestMessage(HttpMethod.Get, uri);
        var signed = new List<KeyValuePair<string, string>>
        {
            new("Host", uri.Authority),
            new("X-Date", xDate),
            new("X-Content-Sha256", RequestSigner.EmptySha256),
        };
        if (credentials.SessionToken is { } token)
        {
            signed.Add(new("X-Security-Token", token));
        }

        var signature = RequestSigner.Sign(
            new SignatureInput("GET", uri.AbsolutePath, query, signed, RequestSigner.EmptySha256, xDate, credentials.Region!, service),
            credentials.AccessKeyId, credentials.SecretAccessKey);
        foreach (var (name, value) in signed.Where(h => h.Key != "Host"))
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        request.Headers.TryAddWithoutValidation("Authorization", signature.Authorization);
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));

        using var attempt = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        attempt.CancelAfter(AttemptTimeout);
        string body;
        int status;
        try
        {
            using var response = await http.SendAsync(request, attempt.Token).ConfigureAwait(false);
            status = (int)response.StatusCode;
            body = await response.Content.ReadAsStringAsync(attempt.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException e) when (!cancellationToken.IsCancellationRequested)
        {
            throw new VolcengineApiException(action, target, VolcengineApiException.TransportCode,
                $"no answer from {settings.Endpoint.Host} within {AttemptTimeout.TotalSeconds:0} s", null, 0, e);
        }
        catch (HttpRequestException e)
        {
            throw new VolcengineApiException(action, target, VolcengineApiException.TransportCode,
                $"{settings.Endpoint.Host}: {e.Message}", null, 0, e);
        }

        return ResponseEnvelope.Parse(action, target, status, body, resultType);
    }

}

/// <summary>The <c>{"ResponseMetadata":{...,"Error":{...}},"Result":{...}}</c> envelope of every answer.</summary>
internal static class ResponseEnvelope
{
    public static T Parse<T>(string action, string? target, int httpStatus, string body, JsonTypeInfo<T> resultType)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(body);
        }
        catch (JsonException)
        {
            // No envelope: a proxy or load balancer answered. Only the status can tell what happened.
            throw new VolcengineApiException(action, target, httpStatus >= 500 ? "InternalError" : $"Http{httpStatus}",
                $"HTTP {httpStatus} without a JSON body", null, httpStatus);
        }

        using (document)
        {
            var root = document.RootElement;
            string? requestId = null;
            if (root.ValueKind == JsonValueKind.Object && root.TryGetProperty("ResponseMetadata", out var metadata) && metadata.ValueKind == JsonValueKind.Object)
            {
                requestId = metadata.TryGetProperty("RequestId", out var id) && id.ValueKind == JsonValueKind.String ? id.GetString() : null;
                if (metadata.TryGetProperty("Error", out var error) && error.ValueKind == JsonValueKind.Object
                    && error.TryGetProperty("Code", out var code) && code.ValueKind == JsonValueKind.String && code.GetString() is { Length: > 0 } errorCode)
                {
                    var message = error.TryGetProperty("Message", out var m) && m.ValueKind == JsonValueKind.String ? m.GetString() ?? "" : "";
                    throw new VolcengineApiException(action, target, errorCode, message, requestId, httpStatus);
                }
            }

            if (root.ValueKind == JsonValueKind.Object && root.TryGetProperty("Result", out var result) && result.ValueKind == JsonValueKind.Object)
            {
                return result.Deserialize(resultType)
                    ?? throw new VolcengineApiException(action, target, "InvalidResponse", "empty Result", requestId, httpStatus);
            }

            if (httpStatus >= 400)
            {
                throw new VolcengineApiException(action, target, httpStatus >= 500 ? "InternalError" : $"Http{httpStatus}",
                    $"HTTP {httpStatus} without an error code", requestId, httpStatus);
            }

            // Some actions (detach, delete) may answer with metadata only.
            return JsonSerializer.Deserialize("{}", resultType)!;
        }
    }
}
