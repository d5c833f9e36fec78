using System.Diagnostics.Metrics;

namespace CocoonNet.Providers.Gke.Compute;

/// <summary>
/// Reports each Compute API request on the <c>CocoonNet.Cloud</c> meter, which the host's agent exports as
/// <c>cocoon_net_cloud_requests_total</c> and <c>cocoon_net_cloud_request_duration_seconds</c>
/// (docs/plugin-contract.md, "Reporting cloud calls"). Every attempt counts: a retried busy answer is a request.
/// </summary>
internal static class CloudRequestMeter
{
    private static readonly Meter Meter = new("CocoonNet.Cloud");
    private static readonly Counter<long> Requests = Meter.CreateCounter<long>("cocoon_net.cloud.requests", description: "Cloud API requests");
    private static readonly Histogram<double> Duration = Meter.CreateHistogram<double>("cocoon_net.cloud.request.duration", "s", "Cloud API request time");

    /// <summary>Sends <paramref name="request"/> and records it: <c>ok</c> for a 2xx, <c>error</c> for another answer, <c>no_answer</c> when none came.</summary>
    public static async Task<HttpResponseMessage> SendAsync(
        HttpClient http, HttpRequestMessage request, HttpCompletionOption completion, TimeProvider time, CancellationToken cancellationToken)
    {
        var action = ActionOf(request.Method, request.RequestUri);
        var started = time.GetTimestamp();
        var result = "no_answer";
        try
        {
            var response = await http.SendAsync(request, completion, cancellationToken).ConfigureAwait(false);
            result = response.IsSuccessStatusCode ? "ok" : "error";
            return response;
        }
        finally
        {
            KeyValuePair<string, object?> platform = new("platform", GkePlugin.PlatformName), name = new("action", action);
            Requests.Add(1, platform, name, new("result", result));
            Duration.Record(time.GetElapsedTime(started).TotalSeconds, platform, name);
        }
    }

    /// <summary>
    /// The API method's name as Google writes it (<c>instances.get</c>, <c>subnetworks.patch</c>,
    /// <c>instances.updateNetworkInterface</c>, <c>operations.wait</c>), read from the path: after
    /// <c>projects</c> it is collection/name pairs (<c>global</c> stands alone), and an odd segment at the end is a
    /// custom method. A bounded label set, whatever object the call concerns.
    /// </summary>
    public static string ActionOf(HttpMethod method, Uri? uri)
    {
        var segments = (uri?.AbsolutePath ?? "").Split('/', StringSplitOptions.RemoveEmptyEntries);
        var start = Array.IndexOf(segments, "projects");
        var path = segments.Skip(Math.Max(start, 0)).Where(s => s != "global").ToArray();
        if (start < 0 || path.Length < 2)
        {
            return "other";
        }

        if (path.Length % 2 == 1)
        {
            return $"{path[^3]}.{path[^1]}";
        }

        var verb = method.Method switch
        {
            "GET" => "get",
            "PATCH" => "patch",
            "POST" => "insert",
            "PUT" => "update",
            "DELETE" => "delete",
            _ => method.Method.ToLowerInvariant(),
        };
        return $"{path[^2]}.{verb}";
    }
}
