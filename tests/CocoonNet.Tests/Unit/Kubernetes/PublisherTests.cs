using CocoonNet.Host.Agent;
using CocoonNet.Host.Kubernetes;
using Microsoft.Extensions.Logging.Abstractions;

namespace CocoonNet.Tests.Unit.Kubernetes;

/// <summary>The Node status: the condition follows the agent's health, the pool is the extended resource, repairs batch into Events, and an API away is waited out.</summary>
public sealed class PublisherTests
{
    [Fact]
    public async Task Condition_follows_health_and_survives_the_api_being_away()
    {
        var api = new FakeNodeApi();
        api.AddNode("n");
        var publisher = new NodeStatusPublisher(api, "n", TimeProvider.System, NullLogger.Instance);
        publisher.Node(api.Nodes["n"]);
        var health = new AgentHealth();
        publisher.Attach(health);
        var telemetry = publisher.Tee(NullTelemetry.Instance);
        using var stop = new CancellationTokenSource();
        var run = publisher.RunAsync(stop.Token);

        health.Set("");
        telemetry.Pool([System.Net.IPAddress.Parse("172.20.3.2"), System.Net.IPAddress.Parse("172.20.3.3")]);
        var ready = await Until(api, u => u.Ready && u.PoolSize == 2);
        Assert.Equal("Reconciled", ready.Reason);

        api.Down = true;
        health.Set("last repair reconcile failed: boom");
        telemetry.Repaired("route");
        telemetry.Repaired("route");
        telemetry.Repaired("bridge");
        await Task.Delay(1500);
        api.Down = false;
        var failed = await Until(api, u => !u.Ready);
        Assert.Equal("ReconcileFailed", failed.Reason);
        Assert.Equal("last repair reconcile failed: boom", failed.Message);
        Assert.True(failed.TransitionTime > ready.TransitionTime);

        publisher.Override(new NodeStatusPublisher.Verdict(false, "InvalidAnnotation", "annotation x"));
        var invalid = await Until(api, u => u.Reason == "InvalidAnnotation");
        Assert.Equal(failed.TransitionTime, invalid.TransitionTime); // still False: no transition

        await stop.CancelAsync();
        await run;
        // Events while the API was away were dropped (best effort); the batch of repairs is one event when it is up.
        Assert.DoesNotContain(api.Events, e => e.Reason == "Repaired" && e.Message != "cocoon-net repaired 2 route, bridge");
    }

    private static async Task<NodeStatusUpdate> Until(FakeNodeApi api, Func<NodeStatusUpdate, bool> condition)
    {
        for (var i = 0; i < 100; i++)
        {
            if (api.Statuses.LastOrDefault() is { } last && condition(last.Update))
            {
                return last.Update;
            }

            await Task.Delay(100);
        }

        throw new TimeoutException($"no such status; last: {api.Statuses.LastOrDefault().Update}");
    }

    private sealed class NullTelemetry : IAgentTelemetry
    {
        public static readonly NullTelemetry Instance = new();

        public void BuildInfo(string version, string plugin, string pluginVersion)
        {
        }

        public void Pool(IReadOnlyList<System.Net.IPAddress> ips)
        {
        }

        public void Reconciled(string kind, TimeSpan duration, bool succeeded)
        {
        }

        public void Repaired(string kind)
        {
        }

        public void DhcpRestarted()
        {
        }

        public void Drift(string component, bool drifted)
        {
        }
    }
}
