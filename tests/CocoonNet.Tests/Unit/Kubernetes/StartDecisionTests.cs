using System.Net;
using CocoonNet.Host.Agent;
using CocoonNet.Host.Agent.Telemetry;
using CocoonNet.Host.Kubernetes;
using CocoonNet.Node.Linux;
using CocoonNet.Host.Operations;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using NSubstitute;

namespace CocoonNet.Tests.Unit.Kubernetes;

/// <summary>How the in-cluster agent decides its start: flags win, then annotations, then a claimed subnet; else it says why not.</summary>
public sealed class StartDecisionTests : IDisposable
{
    private readonly string _state = Path.Combine(Path.GetTempPath(), $"cocoon-k8s-{Guid.NewGuid():N}");
    private readonly FakeNodeApi _api = new();

    /// <summary>The node's live network: eth0 holds 10.128.0.5/20, its default route goes via 10.128.0.1.</summary>
    private readonly IKernelNetwork _kernel = Substitute.For<IKernelNetwork>();

    public StartDecisionTests()
    {
        _api.AddNode("node-a", IPAddress.Parse("172.20.0.9"));
        _kernel.ListLinks().Returns([new LinkInfo("lo", 1, "", true, "", 0), new LinkInfo("eth0", 2, "", true, "", 0)]);
        _kernel.ListAddresses().Returns([new AddressInfo(1, IPAddress.Loopback, 8), new AddressInfo(2, IPAddress.Parse("10.128.0.5"), 20)]);
        _kernel.ListRoutes(RouteConstants.TableMain).Returns(
            [new RouteInfo(IPAddress.Any, 0, 2, RouteConstants.TableMain, 3, 0, RouteConstants.TypeUnicast, IPAddress.Parse("10.128.0.1"))]);
    }

    public void Dispose()
    {
        if (Directory.Exists(_state))
        {
            Directory.Delete(_state, recursive: true);
        }
    }

    private KubernetesAgent Agent(IPNetwork? range = null, IPNetwork? subnetFlag = null, string? mode = null, int port = 0)
    {
        var flags = new NodeInput(null, "node-a", subnetFlag, null, null, null, [], _state, false, null);
        var options = new AgentOptions(AgentStartMode.Serve, null, _state, AgentOptions.DefaultResync, TimeSpan.Zero, false, new ListenAddress(IPAddress.Loopback, port))
        {
            Kubernetes = new KubernetesOptions("node-a", null, range, 24, "cocoon-net", KubernetesOptions.DefaultLeaseGcGrace, mode, flags),
        };
        var services = new ServiceCollection().AddSingleton(_kernel).BuildServiceProvider();
        return new KubernetesAgent(_api, services, options, TimeProvider.System, NullLogger.Instance);
    }

    private void Annotate(params (string Key, string Value)[] annotations) =>
        _api.Nodes["node-a"] = _api.Nodes["node-a"] with { Annotations = annotations.GroupBy(a => a.Key).ToDictionary(g => g.Key, g => g.Last().Value) };

    [Fact]
    public async Task Nothing_anywhere_is_not_configured()
    {
        var agent = Agent();
        Assert.Null(await agent.DecideAsync(_api.Nodes["node-a"], CancellationToken.None));
        Assert.Equal("NotConfigured", agent.Publisher.Desired().Reason);
    }

    [Fact]
    public async Task While_it_waits_for_its_annotation_the_agent_answers_probes_not_ready_with_the_reason()
    {
        using var probe = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        var port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var run = Agent(port: port).RunAsync(stop.Token);
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}/") };
        HttpResponseMessage? ready = null;
        for (var i = 0; i < 100 && ready is null; i++)
        {
            try
            {
                ready = await http.GetAsync("readyz");
            }
            catch (HttpRequestException)
            {
                await Task.Delay(100);
            }
        }

        Assert.NotNull(ready);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
        Assert.Contains("NotConfigured: no VM subnet", await ready.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("healthz")).StatusCode);
        for (var i = 0; i < 50 && !_api.Statuses.Any(s => s.Update is { Ready: false, Reason: "NotConfigured" }); i++)
        {
            await Task.Delay(100);
        }

        Assert.Contains(_api.Statuses, s => s.Update is { Ready: false, Reason: "NotConfigured" });
        await stop.CancelAsync();
        await run;
    }

    [Fact]
    public async Task Annotations_give_the_start()
    {
        Annotate(("cocoonstack.io/vm-subnet", "172.21.4.0/24"), ("cocoonstack.io/vm-pool-size", "20"), ("cocoonstack.io/vm-mode", "adopt"));
        var start = await Agent().DecideAsync(_api.Nodes["node-a"], CancellationToken.None);
        Assert.Equal(AgentStartMode.Adopt, start!.Mode);
        Assert.Equal(("172.21.4.0/24", 20, "node-a"), (start.Request!.Subnet.ToString(), start.Request.PoolSize, start.Request.NodeName));
    }

    [Fact]
    public async Task A_flag_wins_over_its_annotation()
    {
        Annotate(("cocoonstack.io/vm-subnet", "172.21.4.0/24"));
        var start = await Agent(subnetFlag: IPNetwork.Parse("10.9.0.0/24"), mode: "adopt").DecideAsync(_api.Nodes["node-a"], CancellationToken.None);
        Assert.Equal("10.9.0.0/24", start!.Request!.Subnet.ToString());
    }

    [Fact]
    public async Task Without_a_subnet_one_is_claimed_and_annotated_skipping_the_nodes_own()
    {
        var agent = Agent(range: IPNetwork.Parse("172.20.0.0/16"));
        var start = await agent.DecideAsync(_api.Nodes["node-a"], CancellationToken.None);
        Assert.Equal("172.20.1.0/24", start!.Request!.Subnet.ToString());
        Assert.Equal("172.20.1.0/24", _api.Nodes["node-a"].Annotations["cocoonstack.io/vm-subnet"]);
        Assert.Equal("node-a", Assert.Single(_api.Leases).Holder);
        // Decided again (a restart): the held lease is reused, no second one.
        await agent.DecideAsync(_api.Nodes["node-a"] with { Annotations = new Dictionary<string, string>() }, CancellationToken.None);
        Assert.Single(_api.Leases);
    }

    [Fact]
    public async Task A_claim_skips_subnets_holding_the_nodes_live_addresses_or_next_hops()
    {
        // The Node lists 172.20.0.9; the kernel also has 172.20.1.5 on eth0 and a route via 172.20.2.1.
        _kernel.ListAddresses().Returns([new AddressInfo(2, IPAddress.Parse("172.20.1.5"), 24)]);
        _kernel.ListRoutes(RouteConstants.TableMain).Returns(
            [new RouteInfo(IPAddress.Any, 0, 2, RouteConstants.TableMain, 3, 0, RouteConstants.TypeUnicast, IPAddress.Parse("172.20.2.1"))]);
        var start = await Agent(range: IPNetwork.Parse("172.20.0.0/16")).DecideAsync(_api.Nodes["node-a"], CancellationToken.None);
        Assert.Equal("172.20.3.0/24", start!.Request!.Subnet.ToString());
    }

    [Fact]
    public async Task A_hand_set_subnet_inside_the_cluster_range_holds_its_lease_so_it_is_never_allocated_again()
    {
        Annotate(("cocoonstack.io/vm-subnet", "172.20.0.0/24"));
        var agent = Agent(range: IPNetwork.Parse("172.20.0.0/16"));
        Assert.Equal("172.20.0.0/24", (await agent.DecideAsync(_api.Nodes["node-a"], CancellationToken.None))!.Request!.Subnet.ToString());
        Assert.Equal(("vm-subnet-172-20-0-0-24", "node-a"), (Assert.Single(_api.Leases).Name, Assert.Single(_api.Leases).Holder));

        // A node allocating from the range skips it.
        _api.AddNode("node-b", IPAddress.Parse("10.0.0.9"));
        var other = await new SubnetAllocator(_api, "cocoon-net", TimeProvider.System, NullLogger.Instance)
            .ClaimAsync("node-b", IPNetwork.Parse("172.20.0.0/16"), 24, [], CancellationToken.None);
        Assert.Equal("172.20.1.0/24", other.ToString());
    }

    [Theory]
    [InlineData("172.20.5.0/24")] // another subnet of the range: its lease is taken, the old one let go
    [InlineData("10.50.0.0/24")] // outside the range: no lease needed, the old one let go
    public async Task A_node_moved_to_another_subnet_releases_the_old_lease_and_leaves_other_nodes_alone(string annotated)
    {
        var agent = Agent(range: IPNetwork.Parse("172.20.0.0/16"));
        Assert.Equal("172.20.1.0/24", (await agent.DecideAsync(_api.Nodes["node-a"], CancellationToken.None))!.Request!.Subnet.ToString());
        _api.PutLease(new SubnetLease("vm-subnet-172-20-9-0-24", "node-b", null, null, null));

        Annotate(("cocoonstack.io/vm-subnet", annotated));
        Assert.Equal(annotated, (await agent.DecideAsync(_api.Nodes["node-a"], CancellationToken.None))!.Request!.Subnet.ToString());
        var held = _api.Leases.Where(l => l.Holder == "node-a").Select(l => l.Name).ToList();
        Assert.Equal(annotated.StartsWith("172.20.", StringComparison.Ordinal) ? ["vm-subnet-172-20-5-0-24"] : [], held);
        Assert.Contains(_api.Leases, l => l.Holder == "node-b");
    }

    [Theory]
    [InlineData("172.20.1.0/24")]
    [InlineData("172.20.0.0/23")]
    public async Task A_hand_set_subnet_another_node_holds_is_refused_on_the_node(string annotated)
    {
        _api.PutLease(new SubnetLease("vm-subnet-172-20-1-0-24", "node-b", null, null, null));
        Annotate(("cocoonstack.io/vm-subnet", annotated));
        var agent = Agent(range: IPNetwork.Parse("172.20.0.0/16"));
        Assert.Null(await agent.DecideAsync(_api.Nodes["node-a"], CancellationToken.None));
        Assert.Equal("SubnetConflict", agent.Publisher.Desired().Reason);
        Assert.Contains("held by node node-b", agent.Publisher.Desired().Message, StringComparison.Ordinal);
        Assert.DoesNotContain(_api.Leases, l => l.Holder == "node-a");
    }

    [Theory]
    [InlineData("cocoonstack.io/vm-subnet", "172.21.4.1/24", "annotation cocoonstack.io/vm-subnet: 172.21.4.1/24 has host bits set; did you mean 172.21.4.0/24?")]
    [InlineData("cocoonstack.io/vm-pool-size", "9999",
        "--pool-size 9999 does not fit --subnet 172.21.4.0/24: it has 253 addresses for VMs (network, broadcast and gateway excluded) (from the node's annotations and the agent's flags)")]
    public async Task A_bad_annotation_is_reported_on_the_node_not_a_cli_error(string key, string value, string message)
    {
        Annotate(("cocoonstack.io/vm-subnet", "172.21.4.0/24"), (key, value));
        var agent = Agent();
        Assert.Null(await agent.DecideAsync(_api.Nodes["node-a"], CancellationToken.None));
        Assert.Equal(new NodeStatusPublisher.Verdict(false, "InvalidAnnotation", message), agent.Publisher.Desired());
    }

    [Theory]
    [InlineData("10.128.0.0/20", "annotation cocoonstack.io/vm-subnet 10.128.0.0/20 contains 10.128.0.5, an address of this node on eth0")]
    [InlineData("10.128.0.0/30", "annotation cocoonstack.io/vm-subnet 10.128.0.0/30 contains 10.128.0.1, the next hop of this node's default route on eth0")]
    public async Task An_annotated_subnet_holding_the_nodes_own_addresses_is_refused_before_any_lease_or_teardown(string annotated, string message)
    {
        Annotate(("cocoonstack.io/vm-subnet", annotated), ("cocoonstack.io/vm-mode", "adopt"));
        var agent = Agent(range: IPNetwork.Parse("10.0.0.0/8"));
        Assert.Null(await agent.DecideAsync(_api.Nodes["node-a"], CancellationToken.None));
        Assert.Equal(new NodeStatusPublisher.Verdict(false, "InvalidAnnotation", $"{message}: choose a VM subnet outside the node's own networks"),
            agent.Publisher.Desired());
        Assert.Empty(_api.Leases);
    }

    [Fact]
    public async Task A_subnet_flag_holding_the_nodes_own_addresses_is_refused_naming_the_flag()
    {
        var agent = Agent(subnetFlag: IPNetwork.Parse("10.128.0.0/24"), mode: "adopt");
        Assert.Null(await agent.DecideAsync(_api.Nodes["node-a"], CancellationToken.None));
        Assert.StartsWith("--subnet 10.128.0.0/24 contains 10.128.0.5, an address of this node on eth0", agent.Publisher.Desired().Message, StringComparison.Ordinal);
    }
}
