using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using CocoonNet.Providers.Gke.Auth;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CocoonNet.Providers.Gke.Compute;

/// <summary>
/// The Compute API v1 calls the plugin makes, one attempt each: retries belong to <see cref="ComputeRetry"/>,
/// which knows which failures are transient. Every call carries a fresh bearer token and its own timeout.
/// </summary>
internal sealed class ComputeClient(
    HttpClient http,
    IAccessTokenSource tokens,
    IOptions<GkeOptions> options,
    ComputeTimings timings,
    TimeProvider time,
    ILogger<ComputeClient> logger)
{
    public Task<Instance> GetInstanceAsync(InstanceRef instance, CancellationToken cancellationToken) =>
        SendAsync<Instance>(HttpMethod.Get, instance.Path, null, $"get {instance}", cancellationToken);

    public Task<Subnetwork> GetSubnetworkAsync(SubnetworkRef subnetwork, CancellationToken cancellationToken) =>
        SendAsync<Subnetwork>(HttpMethod.Get, subnetwork.Path, null, $"get {subnetwork}", cancellationToken);

    public Task<Operation> PatchSubnetworkAsync(
        SubnetworkRef subnetwork, SubnetworkPatch patch, string requestId, CancellationToken cancellationToken) =>
        SendAsync<Operation>(HttpMethod.Patch, $"{subnetwork.Path}?requestId={Uri.EscapeDataString(requestId)}", patch,
            $"patch {subnetwork}", cancellationToken);

    public Task<Operation> UpdateNetworkInterfaceAsync(
        InstanceRef instance, NetworkInterfaceUpdate update, string requestId, CancellationToken cancellationToken) =>
        SendAsync<Operation>(HttpMethod.Patch,
            $"{instance.Path}/updateNetworkInterface?networkInterface={Uri.EscapeDataString(update.Name)}&requestId={Uri.EscapeDataString(requestId)}",
            update, $"update {update.Name} of {instance}", cancellationToken);

    /// <summary>
    /// operations.wait: returns when the operation is DONE or after up to 2 minutes, whichever is first (it may
    /// return early, so callers loop). Zonal or regional by the operation's own zone/region. Its limit covers
    /// the server's hold (<see cref="ComputeTimings.WaitHold"/>): a held call is not a timed-out one.
    /// </summary>
    public Task<Operation> WaitOperationAsync(string project, Operation operation, CancellationToken cancellationToken)
    {
        var scope = operation.Zone is { Length: > 0 } zone
            ? $"zones/{LastSegment(zone)}"
            : operation.Region is { Length: > 0 } region
                ? $"regions/{LastSegment(region)}"
                : "global";
        return SendAsync<Operation>(HttpMethod.Post, $"projects/{project}/{scope}/operations/{operation.Name}/wait", null,
            $"wait for operation {operation.Name}", cancellationToken, timings.WaitAttemptTimeout);
    }

    private async Task<T> SendAsync<T>(
        HttpMethod method, string relative, object? body, string call, CancellationToken cancellationToken, TimeSpan? timeout = null)
    {
        var limit = timeout ?? timings.AttemptTimeout;
        var uri = new Uri(options.Value.ComputeBase(), relative);
        var token = await tokens.GetAccessTokenAsync(cancellationToken).ConfigureAwait(false);
        using var request = new HttpRequestMessage(method, uri);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        if (body is not null)
        {
            request.Content = JsonContent.Create(body, body.GetType(), options: ComputeJson.Options);
        }

        using var attempt = new CancellationTokenSource(limit, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, attempt.Token);
        var started = time.GetTimestamp();
        try
        {
            using var response = await CloudRequestMeter.SendAsync(http, request, HttpCompletionOption.ResponseContentRead, time, linked.Token).ConfigureAwait(false);
            if (logger.IsEnabled(LogLevel.Debug))
            {
                logger.ComputeCall(method.Method, uri.AbsolutePath, (int)response.StatusCode, time.GetElapsedTime(started).TotalMilliseconds);
            }
            if (!response.IsSuccessStatusCode)
            {
                throw await ErrorFromAsync(response, call, linked.Token).ConfigureAwait(false);
            }

            return await response.Content.ReadFromJsonAsync<T>(ComputeJson.Options, linked.Token).ConfigureAwait(false)
                ?? throw new GkeException($"{call}: empty response body");
        }
        catch (OperationCanceledException e) when (!cancellationToken.IsCancellationRequested)
        {
            throw new ComputeTimeoutException(call, limit, e);
        }
        catch (JsonException e)
        {
            throw new GkeException($"{call}: unreadable response from {uri.Host}: {e.Message}", e);
        }
    }

    private static async Task<ComputeApiException> ErrorFromAsync(HttpResponseMessage response, string call, CancellationToken cancellationToken)
    {
        var text = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        GoogleError? error = null;
        try
        {
            error = JsonSerializer.Deserialize<GoogleErrorEnvelope>(text, ComputeJson.Options)?.Error;
        }
        catch (JsonException)
        {
            // Not Google's envelope (a proxy's or load balancer's page): report the status with a short excerpt.
        }

        var message = error?.Message ?? (text.Length > 200 ? text[..200] : text).Trim();
        var retryAfter = response.Headers.RetryAfter switch
        {
            { Delta: { } delta } => delta,
            _ => (TimeSpan?)null,
        };
        var reason = error?.Errors is { Count: > 0 } details ? details[0].Reason : null;
        var errorInfoReason = error?.Details?.FirstOrDefault(d => d.Type?.EndsWith("ErrorInfo", StringComparison.Ordinal) == true)?.Reason;
        message = message.Length > 0 ? message : response.ReasonPhrase ?? "";
        var exception = new ComputeApiException(call, response.StatusCode, reason, message, retryAfter, errorInfoReason);
        // The two answers an operator can fix alone: say how (a busy or quota-limited 403 is retried, not a permission problem).
        var hint = response.StatusCode switch
        {
            HttpStatusCode.Unauthorized => "; the credentials were refused: check GOOGLE_APPLICATION_CREDENTIALS or the VM's service account",
            HttpStatusCode.Forbidden when !ComputeRetry.IsTransient(exception) =>
                "; grant the service account roles/compute.networkAdmin (see docs/gke.md)",
            _ => "",
        };
        return hint.Length == 0 ? exception : new ComputeApiException(call, response.StatusCode, reason, message + hint, retryAfter, errorInfoReason);
    }

    private static string LastSegment(string urlOrName) => urlOrName[(urlOrName.LastIndexOf('/') + 1)..];
}
