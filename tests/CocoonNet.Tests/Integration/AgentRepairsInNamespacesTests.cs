using CocoonNet.Tests.Support;
using static CocoonNet.Tests.Integration.AgentInNamespacesTests;
using static CocoonNet.Tests.Unit.Telemetry.MetricsText;

namespace CocoonNet.Tests.Integration;

/// <summary>
/// Drift repaired from kernel events, not on the timer (the resync is 10 minutes here), with a VM that still
/// renews its lease and reaches the outside afterwards; then the agent's /metrics, scraped over HTTP in the node
/// namespace, checked by promtool and for the series it must publish.
/// </summary>
[Collection(NamespaceCollection.Name)]
public sealed class AgentRepairsInNamespacesTests
{
    private static readonly string[] AgentAdopt =
        ["--mode", "adopt", "--node-name", "sandbox", "--subnet", "172.20.0.0/24", "--manage-iptables", "--resync", "10m"];

    private static readonly TimeSpan Soon = TimeSpan.FromSeconds(3);

    [PrivilegedFact]
    public void Route_bridge_address_and_a_guest_agent_local_route_are_repaired_from_events_and_the_vm_renews()
    {
        using var sandbox = new Sandbox();
        using var agent = new AgentProcess(sandbox, AgentAdopt);
        Assert.True(agent.WaitForReady(), agent.Output);
        var vm = sandbox.AddVm();
        var address = sandbox.Dhcp(vm);
        Assert.True(address is not null, agent.Output);
        var node = sandbox.Node;

        // The VM's own /32 route deleted (another tool, a mistaken script).
        sandbox.InNamespace(node, "ip", "route", "del", $"{address}/32", "dev", "cni0");
        Assert.True(Eventually(() => HasRoute(sandbox, address), Soon), $"route to {address} not repaired\n{agent.Output}");

        // The bridge set down: its /32 routes go with it, silently.
        sandbox.InNamespace(node, "ip", "link", "set", "cni0", "down");
        Assert.True(Eventually(() => sandbox.IsUp("cni0") && sandbox.RoutesWithProtocol("204").Count == 253, Soon), agent.Output);

        // The gateway address removed from the bridge.
        sandbox.InNamespace(node, "ip", "addr", "del", "172.20.0.1/24", "dev", "cni0");
        Assert.True(Eventually(() => sandbox.InNamespace(node, "ip", "-4", "addr", "show", "dev", "cni0").Contains("172.20.0.1/24", StringComparison.Ordinal)
            && sandbox.RoutesWithProtocol("204").Count == 253, Soon), agent.Output);

        // What GKE's guest agent does: a proto-66 local route for the VM range on another device.
        // A veth: the test kernels may lack the dummy driver.
        sandbox.InNamespace(node, "ip", "link", "add", "guest0", "type", "veth", "peer", "name", "guest1");
        sandbox.InNamespace(node, "ip", "link", "set", "guest0", "up");
        sandbox.InNamespace(node, "ip", "route", "add", "local", "172.20.0.0/24", "dev", "guest0", "table", "local", "proto", "66");
        Assert.True(Eventually(() => !sandbox.InNamespace(node, "ip", "route", "show", "table", "local", "dev", "guest0").Contains("172.20.0.0/24", StringComparison.Ordinal), Soon),
            agent.Output);

        Assert.True(sandbox.Dhcp(vm) == address, agent.Output);
        Assert.True(sandbox.Ping(vm, "203.0.113.1"), "the VM cannot reach the outside after the repairs\n" + agent.Output);
        Assert.Contains("repair", agent.Output, StringComparison.Ordinal);
        Assert.False(agent.HasExited, agent.Output);

        var metrics = sandbox.InNamespace(node, "busybox", "wget", "-qO-", "http://127.0.0.1:9092/metrics");
        Assert.Equal(253, Sample(metrics, "cocoon_net_pool_ips"));
        Assert.True(Sample(metrics, "cocoon_net_dhcp_leases") >= 1, metrics);
        Assert.True(Sample(metrics, "cocoon_net_repairs_total{object=\"route\"}") >= 1, metrics);
        Assert.True(Sample(metrics, "cocoon_net_repairs_total{object=\"local-route\"}") >= 1, metrics);
        Assert.True(Sample(metrics, "cocoon_net_reconcile_duration_seconds_count{kind=\"repair\"}") >= 4, metrics);
        Assert.Equal(0, Sample(metrics, "cocoon_net_reconcile_errors_total"));
        Assert.Contains("cocoon_net_build_info{", metrics, StringComparison.Ordinal);
        Assert.Equal("ready", sandbox.InNamespace(node, "busybox", "wget", "-qO-", "http://127.0.0.1:9092/readyz").Trim());

        var file = Path.Combine(sandbox.Root, "metrics.txt");
        File.WriteAllText(file, metrics);
        var promtool = Shell.Run("sh", ["-c", "promtool check metrics < \"$0\"", file]);
        Assert.True(promtool.ExitCode == 0, $"{promtool}\n--- metrics\n{metrics}");
    }

    [PrivilegedFact]
    public void A_deleted_bridge_comes_back_with_dhcp_serving_on_it_once_the_vm_port_is_attached_again()
    {
        using var sandbox = new Sandbox();
        using var agent = new AgentProcess(sandbox, AgentAdopt);
        Assert.True(agent.WaitForReady(), agent.Output);
        var vm = sandbox.AddVm();
        var address = sandbox.Dhcp(vm);
        Assert.True(address is not null, agent.Output);
        var node = sandbox.Node;
        var port = sandbox.Links(node).Single(l => l.StartsWith('v'));

        sandbox.InNamespace(node, "ip", "link", "del", "cni0");
        Assert.True(Eventually(() => sandbox.Links(node).Contains("cni0") && sandbox.IsUp("cni0") && sandbox.RoutesWithProtocol("204").Count == 253, Soon),
            agent.Output);

        // Re-attaching VM ports is the CNI's job (the VM's pod restarted); then DHCP must answer on the new bridge.
        sandbox.InNamespace(node, "ip", "link", "set", port, "master", "cni0", "up");
        Assert.True(sandbox.Dhcp(vm) == address, agent.Output);
        Assert.True(sandbox.Ping(vm, "203.0.113.1"), "the VM cannot reach the outside after the bridge came back\n" + agent.Output);
    }

    private static bool HasRoute(Sandbox sandbox, string address) =>
        sandbox.InNamespace(sandbox.Node, "ip", "route", "show", "proto", "204", "dev", "cni0").Split('\n').Any(l => l.Trim() == $"{address} scope link");
}
