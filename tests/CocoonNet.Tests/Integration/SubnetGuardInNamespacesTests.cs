using CocoonNet.Tests.Support;
using static CocoonNet.Tests.Integration.AgentInNamespacesTests;

namespace CocoonNet.Tests.Integration;

/// <summary>
/// A VM subnet never takes the node off the network: one reaching into reserved ranges, the node's own addresses or
/// its next hop is refused before anything changes, and no run deletes loopback's local routes or the ones the
/// kernel made for an address, whatever the subnet.
/// </summary>
[Collection(NamespaceCollection.Name)]
public sealed class SubnetGuardInNamespacesTests
{
    private static readonly TimeSpan Soon = TimeSpan.FromSeconds(5);

    /// <summary>Command (adopt or the agent's start), subnet, the words the error must hold; the sandbox's uplink is 203.0.113.2/24.</summary>
    public static TheoryData<string, string, string> Refused() => new()
    {
        { "adopt", "0.0.0.0/0", "--subnet 0.0.0.0/0 is too large" },
        { "adopt", "127.0.0.0/8", "overlaps 127.0.0.0/8 (loopback)" },
        { "adopt", "169.254.0.0/16", "overlaps 169.254.0.0/16 (link-local" },
        { "adopt", "224.0.0.0/4", "--subnet 224.0.0.0/4 is too large" },
        { "adopt", "224.0.0.0/24", "overlaps 224.0.0.0/4 (multicast)" },
        { "adopt", "203.0.113.0/24", "--subnet 203.0.113.0/24 contains 203.0.113.2, an address of this node on up0" },
        { "adopt", "203.0.113.192/26", "--subnet 203.0.113.192/26 contains 203.0.113.200, the next hop of this node's default route on up0" },
        { "agent", "203.0.113.0/24", "--subnet 203.0.113.0/24 contains 203.0.113.2, an address of this node on up0" },
    };

    [PrivilegedTheory]
    [MemberData(nameof(Refused))]
    public void A_subnet_reaching_the_node_is_refused_with_one_line_and_the_node_untouched(string command, string subnet, string expected)
    {
        using var sandbox = new Sandbox();
        // The next hop alone inside 203.0.113.192/26 (the node's own address, .2, is not).
        sandbox.InNamespace(sandbox.Node, "ip", "route", "replace", "default", "via", "203.0.113.200");
        var before = NodeNetwork(sandbox);

        string[] arguments = command == "agent"
            ? ["agent", "--mode", "adopt", "--node-name", "sandbox", "--subnet", subnet, "--manage-iptables"]
            : ["adopt", "--node-name", "sandbox", "--subnet", subnet, "--manage-iptables"];
        var result = sandbox.CocoonNet(arguments);
        var context = $"cocoon-net {string.Join(' ', arguments)}\n{result}";
        Assert.True(result.ExitCode == 2, context);
        var errors = result.Stderr.Split('\n').Where(l => l.StartsWith("Error:", StringComparison.Ordinal)).ToList();
        Assert.True(errors.Count == 1 && errors[0].Contains(expected, StringComparison.Ordinal), context);

        Assert.Equal(before, NodeNetwork(sandbox));
        Assert.DoesNotContain("cni0", sandbox.Links(sandbox.Node));
        Assert.Empty(sandbox.RoutesWithProtocol("204"));
    }

    [PrivilegedFact]
    public void The_sweep_deletes_a_guest_agent_local_route_but_never_loopbacks_nor_one_the_kernel_made()
    {
        using var sandbox = new Sandbox();
        var node = sandbox.Node;
        // 10.9.9.9/16 lies outside the VM subnet, but the kernel's broadcast route for it (10.9.255.255) lies inside.
        sandbox.InNamespace(node, "ip", "link", "add", "gag0", "type", "veth", "peer", "name", "gag1");
        sandbox.InNamespace(node, "ip", "link", "set", "gag0", "up");
        sandbox.InNamespace(node, "ip", "addr", "add", "10.9.9.9/16", "dev", "gag0");
        sandbox.InNamespace(node, "ip", "route", "add", "local", "10.9.255.64/26", "dev", "lo", "table", "local");
        sandbox.InNamespace(node, "ip", "route", "add", "local", "10.9.255.128/27", "dev", "gag0", "table", "local", "proto", "66");
        Assert.Contains("broadcast 10.9.255.255 dev gag0 proto kernel", LocalTable(sandbox));

        var adopt = sandbox.CocoonNet("adopt", "--node-name", "sandbox", "--subnet", "10.9.255.0/24", "--pool-size", "5", "--manage-iptables");
        Assert.True(adopt.ExitCode == 0, adopt.ToString());
        Assert.Contains("- delete local route 10.9.255.128/27 on gag0", adopt.Stdout);
        var table = LocalTable(sandbox);
        Assert.DoesNotContain("10.9.255.128/27", table);
        Assert.Contains("local 10.9.255.64/26 dev lo", table);
        Assert.Contains("broadcast 10.9.255.255 dev gag0 proto kernel", table);
        Assert.Contains("local 10.9.9.9 dev gag0 proto kernel", table);
    }

    [PrivilegedFact]
    public void The_agent_repairs_a_guest_agent_local_route_but_leaves_an_address_added_inside_the_subnet_and_loopbacks()
    {
        using var sandbox = new Sandbox();
        var node = sandbox.Node;
        using var agent = new AgentProcess(sandbox,
            ["--mode", "adopt", "--node-name", "sandbox", "--subnet", "172.20.0.0/24", "--pool-size", "5", "--manage-iptables", "--resync", "10m"]);
        Assert.True(agent.WaitForReady(), agent.Output);

        // After the start's check: an address inside the VM subnet on another device (its local route the kernel's),
        // a range answered on loopback, and a guest agent's route. Only the last is the sweep's.
        sandbox.InNamespace(node, "ip", "link", "add", "gag0", "type", "veth", "peer", "name", "gag1");
        sandbox.InNamespace(node, "ip", "link", "set", "gag0", "up");
        sandbox.InNamespace(node, "ip", "addr", "add", "172.20.0.200/32", "dev", "gag0");
        sandbox.InNamespace(node, "ip", "route", "add", "local", "172.20.0.64/26", "dev", "lo", "table", "local");
        sandbox.InNamespace(node, "ip", "route", "add", "local", "172.20.0.128/27", "dev", "gag0", "table", "local", "proto", "66");
        Assert.True(Eventually(() => !LocalTable(sandbox).Contains("172.20.0.128/27", StringComparison.Ordinal), Soon), agent.Output);
        var table = LocalTable(sandbox);
        Assert.True(table.Contains("local 172.20.0.200 dev gag0 proto kernel", StringComparison.Ordinal), $"{table}\n{agent.Output}");
        Assert.True(table.Contains("local 172.20.0.64/26 dev lo", StringComparison.Ordinal), $"{table}\n{agent.Output}");
        Assert.False(agent.HasExited, agent.Output);
    }

    [PrivilegedFact]
    public void The_agent_refuses_to_serve_a_recorded_subnet_that_now_holds_an_address_of_the_node()
    {
        using var sandbox = new Sandbox();
        var node = sandbox.Node;
        var adopt = sandbox.CocoonNet("adopt", "--node-name", "sandbox", "--subnet", "172.20.0.0/24", "--pool-size", "5", "--manage-iptables");
        Assert.True(adopt.ExitCode == 0, adopt.ToString());
        sandbox.InNamespace(node, "ip", "link", "add", "gag0", "type", "veth", "peer", "name", "gag1");
        sandbox.InNamespace(node, "ip", "link", "set", "gag0", "up");
        sandbox.InNamespace(node, "ip", "addr", "add", "172.20.0.200/32", "dev", "gag0");
        var before = NodeNetwork(sandbox);

        using var agent = new AgentProcess(sandbox, ["--resync", "10m"]);
        Assert.True(Eventually(() => agent.HasExited, TimeSpan.FromSeconds(30)), agent.Output);
        Assert.True(agent.ExitCode == 2, agent.Output);
        Assert.Contains("pool.json subnet 172.20.0.0/24 contains 172.20.0.200, an address of this node on gag0", agent.Output, StringComparison.Ordinal);
        Assert.Equal(before, NodeNetwork(sandbox));
    }

    /// <summary>The node namespace's addresses and every route of its local and main tables, as text.</summary>
    internal static string NodeNetwork(Sandbox sandbox) =>
        sandbox.InNamespace(sandbox.Node, "ip", "-4", "-o", "addr", "show")
        + sandbox.InNamespace(sandbox.Node, "ip", "-4", "route", "show", "table", "local")
        + sandbox.InNamespace(sandbox.Node, "ip", "-4", "route", "show", "table", "main");

    private static string LocalTable(Sandbox sandbox) =>
        sandbox.InNamespace(sandbox.Node, "ip", "-4", "route", "show", "table", "local");
}
