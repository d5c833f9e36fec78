using System.Diagnostics.Metrics;
using CocoonNet.Host.Agent.Telemetry;
using static CocoonNet.Tests.Unit.Telemetry.MetricsText;

namespace CocoonNet.Tests.Unit.Telemetry;

/// <summary>
/// A plugin reports its cloud calls on a meter of its own named <c>CocoonNet.Cloud</c> (no contract type
/// involved); the host carries them into <c>cocoon_net_cloud_requests_total</c> and the duration histogram.
/// </summary>
public sealed class CloudMeterBridgeTests
{
    [Fact]
    public async Task A_fake_plugins_recorded_calls_are_counted_by_platform_action_and_result()
    {
        // A platform name of this test's own: the meter is process-wide, other tests may record on theirs.
        var platform = $"fake-{Guid.NewGuid():N}";
        using var leases = new LeaseFixture();
        var metrics = leases.Metrics();
        using var bridge = new CloudMeterBridge(metrics);
        using var plugin = new Meter("CocoonNet.Cloud");
        var requests = plugin.CreateCounter<long>("cocoon_net.cloud.requests");
        var duration = plugin.CreateHistogram<double>("cocoon_net.cloud.request.duration", "s");
        var unrelated = plugin.CreateCounter<long>("cocoon_net.cloud.other");
        using var elsewhere = new Meter("Some.Library");
        var sameNameElsewhere = elsewhere.CreateCounter<long>("cocoon_net.cloud.requests");

        void Call(string action, string result, double seconds)
        {
            requests.Add(1, new("platform", platform), new("action", action), new("result", result));
            duration.Record(seconds, new KeyValuePair<string, object?>("platform", platform), new("action", action));
        }

        Call("DescribeSubnets", "ok", 0.05);
        Call("DescribeSubnets", "ok", 0.15);
        Call("DescribeSubnets", "error", 0.02);
        Call("AttachNetworkInterface", "no_answer", 20);
        unrelated.Add(5, new KeyValuePair<string, object?>("platform", platform));
        sameNameElsewhere.Add(7, new KeyValuePair<string, object?>("platform", platform), new("action", "DescribeSubnets"), new("result", "ok"));

        var text = await metrics.RenderAsync();
        Assert.Equal(2, Sample(text, $"cocoon_net_cloud_requests_total{{platform=\"{platform}\",action=\"DescribeSubnets\",result=\"ok\"}}"));
        Assert.Equal(1, Sample(text, $"cocoon_net_cloud_requests_total{{platform=\"{platform}\",action=\"DescribeSubnets\",result=\"error\"}}"));
        Assert.Equal(1, Sample(text, $"cocoon_net_cloud_requests_total{{platform=\"{platform}\",action=\"AttachNetworkInterface\",result=\"no_answer\"}}"));
        Assert.Equal(3, Sample(text, $"cocoon_net_cloud_request_duration_seconds_count{{platform=\"{platform}\",action=\"DescribeSubnets\"}}"));
        Assert.Equal(0.22, Sample(text, $"cocoon_net_cloud_request_duration_seconds_sum{{platform=\"{platform}\",action=\"DescribeSubnets\"}}")!.Value, 6);
        Assert.Equal(20, Sample(text, $"cocoon_net_cloud_request_duration_seconds_sum{{platform=\"{platform}\",action=\"AttachNetworkInterface\"}}"));
        // Neither the other instrument nor the same name on another meter got in.
        Assert.Equal(3, text.Split('\n').Count(l => l.StartsWith("cocoon_net_cloud_requests_total{", StringComparison.Ordinal) && l.Contains(platform, StringComparison.Ordinal)));
    }

    [Fact]
    public async Task Once_disposed_the_bridge_counts_nothing_more()
    {
        var platform = $"fake-{Guid.NewGuid():N}";
        using var leases = new LeaseFixture();
        var metrics = leases.Metrics();
        using var plugin = new Meter("CocoonNet.Cloud");
        var requests = plugin.CreateCounter<long>("cocoon_net.cloud.requests");
        KeyValuePair<string, object?>[] tags = [new("platform", platform), new("action", "instances.get"), new("result", "ok")];

        using (new CloudMeterBridge(metrics))
        {
            requests.Add(1, tags);
        }

        requests.Add(1, tags);
        Assert.Equal(1, Sample(await metrics.RenderAsync(), $"cocoon_net_cloud_requests_total{{platform=\"{platform}\",action=\"instances.get\",result=\"ok\"}}"));
    }
}
