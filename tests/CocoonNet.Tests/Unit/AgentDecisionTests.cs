using CocoonNet.Host.Agent;

namespace CocoonNet.Tests.Unit;

/// <summary>The agent's decisions: which part of the one pipeline each trigger runs, the DHCP mode it serves, the request a cloud repair makes.</summary>
public sealed class AgentDecisionTests
{
    [Theory]
    [InlineData(1, "routes")] // Routes
    [InlineData(4, "routes")] // ForeignLocalRoutes
    [InlineData(2, "bridge+routes")] // Bridge
    [InlineData(8, "prepare")] // Nics
    [InlineData(9, "prepare+routes")] // Nics | Routes
    public void A_repair_runs_only_the_parts_its_drift_needs(int scope, string parts)
    {
        var trigger = AgentTrigger.Repair(new RepairBatch((RepairScope)scope, ["x"]));
        Assert.Equal(ReconcileKind.Repair, trigger.Kind);
        Assert.Equal("repair", trigger.KindName);
        Assert.Equal(parts, NodePartsFor.Describe(trigger.Parts));
        Assert.Equal(["x"], trigger.Objects);
    }

    [Fact]
    public void A_full_resync_runs_everything_and_a_dhcp_exit_only_the_dhcp_step()
    {
        Assert.Null(AgentTrigger.Full().Parts);
        Assert.Equal("all", NodePartsFor.Describe(AgentTrigger.Full().Parts));
        Assert.Equal(NodeParts.Dhcp, AgentTrigger.Dhcp().Parts);
    }

    [Fact]
    public async Task Drift_arriving_while_a_repair_waits_joins_it_and_other_triggers_keep_their_place()
    {
        using var queue = new ReconcileQueue();
        queue.Add(AgentTrigger.Repair(new RepairBatch(RepairScope.Routes, ["route"])));
        var full = AgentTrigger.Full();
        queue.Add(full);
        queue.Add(AgentTrigger.Repair(new RepairBatch(RepairScope.Bridge, ["bridge"])));
        var dhcp = AgentTrigger.Dhcp();
        queue.Add(dhcp);

        var first = await queue.NextAsync(CancellationToken.None);
        Assert.Equal("bridge+routes", NodePartsFor.Describe(first.Parts));
        Assert.Equal(["route", "bridge"], first.Objects);
        Assert.Same(full, await queue.NextAsync(CancellationToken.None));
        Assert.Same(dhcp, await queue.NextAsync(CancellationToken.None));

        // Taken by the loop: the next drift is a repair of its own, acted on at once.
        queue.Add(AgentTrigger.Repair(new RepairBatch(RepairScope.Routes, ["route"])));
        Assert.Equal(["route"], (await queue.NextAsync(CancellationToken.None)).Objects);
        using var none = new CancellationTokenSource(TimeSpan.FromMilliseconds(50));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => queue.NextAsync(none.Token));
    }

    [Theory]
    [InlineData(false, "process", false, true)] // auto says systemd, the node's dnsmasq runs as a process: keep it so
    [InlineData(false, "systemd", true, false)]
    [InlineData(false, null, true, false)] // nothing recorded: the host's choice
    [InlineData(true, "process", true, false)] // --service-manager given: it wins
    public void The_agent_keeps_the_recorded_dhcp_mode_unless_told_otherwise(bool given, string? recorded, bool runtimeSystemd, bool expectProcess)
    {
        var runtime = new CocoonNet.Host.RuntimeSettings("/p", false,
            runtimeSystemd ? CocoonNet.Node.Pipeline.DhcpServiceMode.Systemd : CocoonNet.Node.Pipeline.DhcpServiceMode.Process,
            Microsoft.Extensions.Logging.LogLevel.Information);
        var state = new CocoonNet.Node.State.PoolState { Platform = "generic", NodeName = "n", Subnet = "10.0.0.0/24", Gateway = "10.0.0.1" };
        state.Host.DhcpService = recorded;
        var mode = AgentServiceMode.For(given, runtime, state);
        Assert.Equal(expectProcess ? CocoonNet.Node.Pipeline.DhcpServiceMode.Process : CocoonNet.Node.Pipeline.DhcpServiceMode.Systemd, mode);
    }

    [Fact]
    public void Repair_cloud_without_mode_asks_init_for_the_node_pool_json_records()
    {
        var state = new CocoonNet.Node.State.PoolState
        {
            Platform = "gke",
            NodeName = "vm-node",
            Subnet = "172.20.1.0/24",
            Gateway = "172.20.1.1",
            PrimaryNic = "ens4",
            Ips = ["172.20.1.2", "172.20.1.3", "172.20.1.4"],
            DnsServers = ["8.8.8.8"],
            Mode = CocoonNet.Node.State.PoolState.ModeInit,
        };
        var request = AgentCloudCheck.RequestFrom(state, "/var/lib/cocoon/net");
        Assert.Equal(("gke", "vm-node", "172.20.1.0/24", "172.20.1.1", 3, "ens4", "8.8.8.8", "/var/lib/cocoon/net", false),
            (request.Platform, request.NodeName, request.Subnet.ToString(), request.Gateway.ToString(), request.PoolSize, request.PrimaryNic,
             string.Join(',', request.Dns), request.StateDirectory, request.DryRun));
    }
}
