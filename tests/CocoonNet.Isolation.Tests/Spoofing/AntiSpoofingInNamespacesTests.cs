using System.Globalization;
using CocoonNet.Tests.Support;
using Xunit.Abstractions;

namespace CocoonNet.Tests.Integration.Spoofing;

/// <summary>
/// Anti-spoofing end to end, both DHCP backends: a VM taking another's address or MAC gets nothing through and moves
/// neither the node's neighbour entry nor the bridge's FDB entry; a fresh lease passes at once; a released one is
/// forgotten; a table deleted by hand makes status degraded until the agent puts it back; teardown leaves none.
/// </summary>
[Collection(IsolationCollection.Name)]
public sealed class AntiSpoofingInNamespacesTests(ITestOutputHelper output)
{
    [PrivilegedFact]
    public void Embedded_a_vm_taking_anothers_address_or_mac_gets_nothing_through_and_the_lease_set_follows_the_server()
    {
        using var node = SpoofingNode.Start("embedded");
        var a = node.Clients.Bind(node.VmA, DhcpClient.Udhcpc, null, out var run);
        Assert.True(a is not null, $"A got no address: {run}\n{node.Agent.Output}");
        // Admitted before the ACK: the element is there by the time the client has its address, and its first ping passes.
        Assert.Contains($"{SpoofingNode.MacA} . {a}", node.Set("leases"));
        Assert.True(node.Sandbox.Ping(node.VmA, SpoofingNode.Gateway), node.Agent.Output);
        output.WriteLine(node.Agent.Output.Split('\n').FirstOrDefault(l => l.Contains("port security: admit", StringComparison.Ordinal)) ?? "no admit line");

        AssertSpoofsAreDropped(node, a);
        AssertReleaseForgetsTheLease(node, a);
        AssertStatusDegradedUntilTheAgentRepairs(node);
        AssertTeardownLeavesNoTable(node);
    }

    [PrivilegedFact]
    public void Dnsmasq_the_lease_set_follows_dnsmasqs_lease_file_at_once_and_spoofs_are_dropped()
    {
        using var node = SpoofingNode.Start("dnsmasq");
        var leaseFile = node.Sandbox.PathOf("/var/lib/misc/dnsmasq.leases");
        var a = node.Clients.Bind(node.VmA, DhcpClient.Udhcpc);
        Assert.True(a is not null, $"A got no address\n{node.Agent.Output}");
        // dnsmasq's write (the file's mtime, ns resolution) to the agent's log line written right after the netlink batch
        // (ms resolution, same clock): an upper bound of the lag, which a poll through a forked nft could not measure.
        var written = File.GetLastWriteTimeUtc(leaseFile);
        Assert.True(SpoofingNode.Eventually(() => node.Set("leases").Contains($"{SpoofingNode.MacA} . {a}"), TimeSpan.FromSeconds(5)), node.Agent.Output);
        var line = node.Agent.Output.Split('\n').First(l => l.Contains("port security: leases +1 -0", StringComparison.Ordinal));
        var logged = DateTime.Parse(line.Split(' ')[0], CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal);
        var lag = (logged - written).TotalMilliseconds;
        output.WriteLine($"dnsmasq lease file written -> element in set leases: {lag:F0} ms ({line.Trim()})");
        // The 100 ms target is make bench's (isolation-bench.sh reports this lag per run); here, under the whole suite's
        // load, the test proves the path is the file watch, not a poll (the mirror's fallback poll is a second).
        Assert.True(lag < 900, $"the set took {lag:F0} ms after dnsmasq's lease file\n{node.Agent.Output}");
        Assert.Contains($"{SpoofingNode.MacA} . {a}", node.Set("leases"));
        Assert.True(node.Sandbox.Ping(node.VmA, SpoofingNode.Gateway), node.Agent.Output);

        AssertSpoofsAreDropped(node, a);
        AssertReleaseForgetsTheLease(node, a);
        AssertTeardownLeavesNoTable(node);
    }

    /// <summary>B takes A's address, then A's MAC too: nothing of B's passes, and A keeps its neighbour and FDB entries.</summary>
    private static void AssertSpoofsAreDropped(SpoofingNode node, string a)
    {
        Assert.Contains(SpoofingNode.MacA, node.Neighbour(a), StringComparison.Ordinal);
        Assert.Equal(node.PortA, node.FdbPort(SpoofingNode.MacA));

        node.Take(node.VmB, a);
        Assert.False(node.Sandbox.Ping(node.VmB, SpoofingNode.Gateway), "B reached the gateway from A's address");
        Assert.Contains(SpoofingNode.MacA, node.Neighbour(a), StringComparison.Ordinal);
        Assert.True(node.Sandbox.Ping(node.VmA, SpoofingNode.Gateway), "A lost the gateway while B used its address");

        node.Take(node.VmB, a, SpoofingNode.MacA);
        Assert.False(node.Sandbox.Ping(node.VmB, SpoofingNode.Gateway), "B reached the gateway with A's MAC and address");
        Assert.Equal(node.PortA, node.FdbPort(SpoofingNode.MacA));
        Assert.Contains(SpoofingNode.MacA, node.Neighbour(a), StringComparison.Ordinal);
        Assert.True(node.Sandbox.Ping(node.VmA, SpoofingNode.Gateway), "A lost the gateway while B used its MAC");
        Assert.Contains($"{node.PortA} . {SpoofingNode.MacA}", node.Set("port_macs"));
        Assert.DoesNotContain(node.PortB, node.Set("bound_ports"));
        DhcpClients.SetMac(node.VmB, SpoofingNode.MacB);
    }

    /// <summary>The control socket's release (vk-cocoon deleting the VM): the element and A's bindings go.</summary>
    private static void AssertReleaseForgetsTheLease(SpoofingNode node, string a)
    {
        var socket = node.Sandbox.PathOf("/run/cocoon-net/control.sock");
        var status = Shell.Run("curl", ["-s", "-o", "/dev/null", "-w", "%{http_code}", "--max-time", "10", "--unix-socket", socket, "-X", "DELETE",
            $"http://localhost/v1/leases/{SpoofingNode.MacA}"]);
        Assert.True(status.Stdout == "204", status.ToString());
        Assert.True(SpoofingNode.Eventually(() => !node.Set("leases").Contains($"{SpoofingNode.MacA} . {a}"), TimeSpan.FromSeconds(3)),
            string.Join(", ", node.Set("leases")) + "\n" + node.Agent.Output);
        Assert.DoesNotContain(SpoofingNode.MacA, node.Set("bound_macs"));
        Assert.DoesNotContain(node.PortA, node.Set("bound_ports"));
    }

    private static void AssertStatusDegradedUntilTheAgentRepairs(SpoofingNode node)
    {
        node.Sandbox.InNamespace(node.Sandbox.Node, "nft", "delete", "table", "bridge", "cocoon");
        var degraded = node.Status();
        Assert.True(degraded.ExitCode == 3, degraded.ToString());
        Assert.Contains("anti-spoofing: nftables table bridge cocoon is missing", degraded.Stdout, StringComparison.Ordinal);

        // A full resync (SIGHUP; the minute's resync does the same) makes the table whole again, ports and leases.
        node.Hangup();
        Assert.True(SpoofingNode.Eventually(() => node.HasTable() && node.Set("vm_ports").Contains(node.PortA), TimeSpan.FromSeconds(15)), node.Agent.Output);
        var healthy = node.Status();
        Assert.True(healthy.ExitCode == 0, healthy.ToString());
        Assert.DoesNotContain("Problem: anti-spoofing", healthy.Stdout, StringComparison.Ordinal);
    }

    private static void AssertTeardownLeavesNoTable(SpoofingNode node)
    {
        Assert.True(node.Agent.Terminate(TimeSpan.FromSeconds(5)), node.Agent.Output);
        var teardown = node.Sandbox.CocoonNet("teardown");
        Assert.True(teardown.ExitCode == 0, teardown.ToString());
        Assert.Contains("- nftables table bridge cocoon", teardown.Stdout, StringComparison.Ordinal);
        Assert.False(node.HasTable(), "teardown left table bridge cocoon");
    }
}
