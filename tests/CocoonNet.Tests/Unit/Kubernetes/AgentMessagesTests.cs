using System.Net;
using CocoonNet.Host.Agent;
using CocoonNet.Host.Agent.Telemetry;
using CocoonNet.Host.Kubernetes;
using CocoonNet.Host.Operations;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;

namespace CocoonNet.Tests.Unit.Kubernetes;

/// <summary>What the agent writes on its Node: DHCP down is its own reason, and an annotation value is quoted short.</summary>
public sealed class AgentMessagesTests : IDisposable
{
    private readonly string _state = Path.Combine(Path.GetTempPath(), $"cocoon-k8s-{Guid.NewGuid():N}");
    private readonly FakeNodeApi _api = new();

    public AgentMessagesTests() => _api.AddNode("node-a", IPAddress.Parse("172.20.0.9"));

    public void Dispose()
    {
        if (Directory.Exists(_state))
        {
            Directory.Delete(_state, recursive: true);
        }
    }

    [Fact]
    public void Dhcp_down_makes_the_condition_false_with_reason_DhcpDown()
    {
        var publisher = new NodeStatusPublisher(_api, "node-a", TimeProvider.System, NullLogger.Instance);
        var health = new AgentHealth();
        publisher.Attach(health);
        health.Set($"{AgentHealth.DhcpDown}: dnsmasq-cni is not running; the agent restarts it (log: /var/log/cocoon-net/dnsmasq-cni.log)");
        var verdict = publisher.Desired();
        Assert.False(verdict.Ready);
        Assert.Equal("DhcpDown", verdict.Reason);
        Assert.StartsWith("DHCP down: dnsmasq-cni is not running", verdict.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("cocoonstack.io/vm-mode")]
    [InlineData("cocoonstack.io/vm-subnet")]
    [InlineData("cocoonstack.io/vm-pool-size")]
    public async Task A_10_KB_annotation_value_is_quoted_short_in_the_condition_and_the_event(string annotation)
    {
        var value = "x" + new string('7', 10 * 1024) + "\nforged log line";
        _api.Nodes["node-a"] = _api.Nodes["node-a"] with
        {
            Annotations = new Dictionary<string, string> { [ClusterNames.Subnet] = "172.20.0.0/24", [annotation] = value },
        };
        var agent = Agent();
        agent.Publisher.Node(_api.Nodes["node-a"]);
        Assert.Null(await agent.DecideAsync(_api.Nodes["node-a"], CancellationToken.None));

        var verdict = agent.Publisher.Desired();
        Assert.Equal("InvalidAnnotation", verdict.Reason);
        AssertShort(verdict.Message);

        using var stop = new CancellationTokenSource();
        var run = agent.Publisher.RunAsync(stop.Token);
        for (var i = 0; i < 50 && (_api.Events.IsEmpty || _api.Statuses.IsEmpty); i++)
        {
            await Task.Delay(100);
        }

        await stop.CancelAsync();
        await run;
        AssertShort(Assert.Single(_api.Events, e => e.Reason == "InvalidAnnotation").Message);
        AssertShort(_api.Statuses.Last().Update.Message);
    }

    [Fact]
    public void A_value_is_cut_to_64_characters_with_an_ellipsis_and_control_characters_escaped()
    {
        Assert.Equal("adopt", AnnotationText.Value("adopt"));
        Assert.Equal(new string('a', 64) + "…", AnnotationText.Value(new string('a', 65)));
        Assert.Equal("a\\nb\\u001b", AnnotationText.Value("a\nb\u001b"));
        Assert.Equal("mode=" + new string('m', 64) + "…: use init or adopt", AnnotationText.In("mode=" + new string('m', 100) + ": use init or adopt", [new string('m', 100)]));
        Assert.Equal(AnnotationText.MaxMessage, AnnotationText.Message(new string('z', 5000)).Length);
    }

    private static void AssertShort(string message)
    {
        Assert.True(message.Length < 200, $"{message.Length} characters: {message[..Math.Min(message.Length, 300)]}");
        Assert.DoesNotContain('\n', message);
        Assert.Contains("…", message, StringComparison.Ordinal);
    }

    private KubernetesAgent Agent()
    {
        var flags = new NodeInput(null, "node-a", null, null, null, null, [], _state, false, null);
        var options = new AgentOptions(AgentStartMode.Serve, null, _state, AgentOptions.DefaultResync, TimeSpan.Zero, false, new ListenAddress(IPAddress.Loopback, 0))
        {
            Kubernetes = new KubernetesOptions("node-a", null, null, 24, "cocoon-net", KubernetesOptions.DefaultLeaseGcGrace, null, flags),
        };
        return new KubernetesAgent(_api, new ServiceCollection().BuildServiceProvider(), options, TimeProvider.System, NullLogger.Instance);
    }
}
