using System.Diagnostics.Metrics;

namespace CocoonNet.Providers.Volcengine.Api;

/// <summary>
/// Reports each OpenAPI request on the <c>CocoonNet.Cloud</c> meter, which the host's agent exports as
/// <c>cocoon_net_cloud_requests_total</c> and <c>cocoon_net_cloud_request_duration_seconds</c>
/// (docs/plugin-contract.md, "Reporting cloud calls"). Every attempt counts: a throttled, retried call is a request.
/// </summary>
internal static class CloudRequestMeter
{
    private static readonly Meter Meter = new("CocoonNet.Cloud");
    private static readonly Counter<long> Requests = Meter.CreateCounter<long>("cocoon_net.cloud.requests", description: "Cloud API requests");
    private static readonly Histogram<double> Duration = Meter.CreateHistogram<double>("cocoon_net.cloud.request.duration", "s", "Cloud API request time");

    /// <summary>
    /// Runs one attempt of <paramref name="action"/> and records it: <c>ok</c>, <c>error</c> for an answer carrying
    /// an error code (the gateway may say so with HTTP 200), <c>no_answer</c> when none came.
    /// </summary>
    public static async Task<T> MeasureAsync<T>(string action, TimeProvider time, Func<Task<T>> send)
    {
        var started = time.GetTimestamp();
        var result = "no_answer";
        try
        {
            var answer = await send().ConfigureAwait(false);
            result = "ok";
            return answer;
        }
        catch (VolcengineApiException e) when (e.Code != VolcengineApiException.TransportCode)
        {
            result = "error";
            throw;
        }
        finally
        {
            KeyValuePair<string, object?> platform = new("platform", VolcenginePlugin.PlatformName), name = new("action", action);
            Requests.Add(1, platform, name, new("result", result));
            Duration.Record(time.GetElapsedTime(started).TotalSeconds, platform, name);
        }
    }
}
