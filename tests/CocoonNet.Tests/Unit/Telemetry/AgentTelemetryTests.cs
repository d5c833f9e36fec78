using System.Diagnostics.Metrics;
using System.Net;
using System.Net.Sockets;
using CocoonNet.Host.Agent;
using CocoonNet.Host.Agent.Telemetry;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using static CocoonNet.Tests.Unit.Telemetry.MetricsText;
using static CocoonNet.Tests.Unit.Telemetry.ListenerTestKit;

namespace CocoonNet.Tests.Unit.Telemetry;

/// <summary>End to end on loopback: what the agent and a plugin report is on /metrics; stopping frees the address.</summary>
public sealed class AgentTelemetryTests
{
    [Fact]
    public async Task The_agents_and_a_plugins_reports_are_scraped_over_http()
    {
        var platform = $"fake-{Guid.NewGuid():N}";
        using var leases = new LeaseFixture(LeaseFixture.Lease(0, "10.0.0.10"), LeaseFixture.Lease(0, "10.0.0.11"));
        using var stop = new CancellationTokenSource();
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        var port = FreeLoopbackPort();

        using var telemetry = new AgentTelemetry(new ListenAddress(IPAddress.Loopback, port), leases.LeaseFile, new AlwaysReady(),
            new FakeTimeProvider(LeaseFixture.Now), NullLoggerFactory.Instance);
        telemetry.Start();
        var serving = telemetry.ServeAsync(stop.Token);
        IAgentTelemetry agent = telemetry.Metrics;
        agent.Pool(LeaseFixture.Pool("10.0.0.10", "10.0.0.11"));
        agent.Repaired("bridge");
        using (var plugin = new Meter("CocoonNet.Cloud"))
        {
            plugin.CreateCounter<long>("cocoon_net.cloud.requests").Add(1, new("platform", platform), new("action", "instances.get"), new("result", "ok"));
        }

        var text = await http.GetStringAsync($"http://127.0.0.1:{port}/metrics");
        await stop.CancelAsync();
        await serving.WaitAsync(TimeSpan.FromSeconds(5));

        Assert.Equal(2, Sample(text, "cocoon_net_pool_ips"));
        Assert.Equal(2, Sample(text, "cocoon_net_dhcp_leases"));
        Assert.Equal(1, Sample(text, "cocoon_net_repairs_total{object=\"bridge\"}"));
        Assert.Equal(1, Sample(text, $"cocoon_net_cloud_requests_total{{platform=\"{platform}\",action=\"instances.get\",result=\"ok\"}}"));
    }
}
