using CocoonNet.Tests.Support;

namespace CocoonNet.Tests.Integration;

/// <summary>
/// Switching the DHCP backend on a live node: dnsmasq to embedded (dnsmasq stopped, its files gone, the cocoon-dhcp
/// conflist only, no /32 route without a lease), a re-run that keeps the recorded choice, status without an agent,
/// and back to dnsmasq; teardown leaves nothing.
/// </summary>
[Collection(NamespaceCollection.Name)]
public sealed class DhcpBackendSwitchInNamespacesTests
{
    private static readonly string[] Adopt =
        ["adopt", "--node-name", "sandbox", "--subnet", "172.20.0.0/24", "--pool-size", "4", "--manage-iptables", "--service-manager", "process"];

    [PrivilegedFact]
    public void A_switch_with_vm_ports_on_the_bridge_is_refused_before_anything_changes()
    {
        using var sandbox = new Sandbox();
        var first = sandbox.CocoonNet(Adopt);
        Assert.True(first.ExitCode == 0, first.ToString());
        sandbox.AddVm();
        var poolJson = Path.Combine(sandbox.StateDirectory, "pool.json");
        var before = File.ReadAllText(poolJson);

        foreach (var extra in new[] { Array.Empty<string>(), ["--dry-run"] })
        {
            var refused = sandbox.CocoonNet([.. Adopt, "--dhcp", "embedded", .. extra]);
            Assert.True(refused.ExitCode == 2, refused.ToString());
            var error = Assert.Single(refused.Stderr.Split('\n'), l => l.StartsWith("Error:", StringComparison.Ordinal));
            Assert.Contains("--dhcp embedded: cni0 has 1 VM port (", error, StringComparison.Ordinal);
            Assert.Contains("served by dnsmasq under the CNI network dnsmasq-dhcp; move or stop those VMs first", error, StringComparison.Ordinal);
        }

        Assert.Equal(before, File.ReadAllText(poolJson));
        Assert.NotNull(sandbox.DnsmasqPid());
        Assert.True(sandbox.CocoonNet("teardown").ExitCode == 0);
    }

    [PrivilegedFact]
    public void Dnsmasq_to_embedded_and_back_converges_and_teardown_leaves_nothing()
    {
        using var sandbox = new Sandbox();
        var dnsmasqConflist = sandbox.PathOf("/etc/cni/net.d/30-dnsmasq-dhcp.conflist");
        var embeddedConflist = sandbox.PathOf("/etc/cni/net.d/30-cocoon-dhcp.conflist");
        var dnsmasqConfig = sandbox.PathOf("/etc/dnsmasq-cni.d/cni0.conf");
        var poolJson = Path.Combine(sandbox.StateDirectory, "pool.json");

        var first = sandbox.CocoonNet(Adopt);
        Assert.True(first.ExitCode == 0, first.ToString());
        Assert.NotNull(sandbox.DnsmasqPid());
        Assert.True(File.Exists(dnsmasqConflist));
        Assert.False(File.Exists(embeddedConflist));
        Assert.Equal(4, sandbox.RoutesWithProtocol("204").Count);
        Assert.DoesNotContain("\"dhcp\"", File.ReadAllText(poolJson), StringComparison.Ordinal);

        // The dry run shows the switch and changes nothing.
        var dryRun = sandbox.CocoonNet([.. Adopt, "--dhcp", "embedded", "--lease-time", "1h", "--dry-run"]);
        Assert.True(dryRun.ExitCode == 0, dryRun.ToString());
        Assert.Contains("dhcp:            embedded, lease 1h", dryRun.Stdout);
        Assert.Contains($"- remove {dnsmasqConfig}", dryRun.Stdout);
        Assert.Contains($"+ write {embeddedConflist}", dryRun.Stdout);
        Assert.Contains($"- remove {dnsmasqConflist}", dryRun.Stdout);
        Assert.Contains("- remove 4 stale /32 routes", dryRun.Stdout);
        Assert.NotNull(sandbox.DnsmasqPid());
        Assert.True(File.Exists(dnsmasqConflist));

        var embedded = sandbox.CocoonNet([.. Adopt, "--dhcp", "embedded", "--lease-time", "1h"]);
        Assert.True(embedded.ExitCode == 0, embedded.ToString());
        Assert.Contains("- stop dnsmasq-cni (process, pid", embedded.Stdout);
        Assert.Null(sandbox.DnsmasqPid());
        Assert.False(File.Exists(dnsmasqConfig));
        Assert.False(File.Exists(dnsmasqConflist));
        Assert.True(File.Exists(embeddedConflist));
        Assert.Contains("\"name\": \"cocoon-dhcp\"", File.ReadAllText(embeddedConflist));
        Assert.Empty(sandbox.RoutesWithProtocol("204"));
        var recorded = File.ReadAllText(poolJson);
        Assert.Contains("\"dhcp\": \"embedded\"", recorded);
        Assert.Contains("\"leaseSeconds\": 3600", recorded);

        // A re-run without --dhcp keeps the recorded backend and changes nothing.
        var again = sandbox.CocoonNet(Adopt);
        Assert.True(again.ExitCode == 0, again.ToString());
        Assert.StartsWith("no changes: the host already matches", again.Stdout);
        Assert.Equal(recorded, File.ReadAllText(poolJson));
        Assert.False(File.Exists(dnsmasqConflist));
        Assert.Null(sandbox.DnsmasqPid());

        // No agent: nothing serves DHCP, and status says so.
        var status = sandbox.CocoonNet("status");
        Assert.True(status.ExitCode == 3, status.ToString());
        Assert.Contains("DHCP server: embedded", status.Stdout);
        Assert.Contains("Problem:    no DHCP is served on cni0 until the agent runs (--dhcp embedded)", status.Stdout);
        Assert.DoesNotContain("dnsmasq-cni is not running", status.Stdout);
        Assert.DoesNotContain("conflist", status.Stdout.Split('\n').Where(l => l.StartsWith("Problem:", StringComparison.Ordinal)).FirstOrDefault() ?? "");

        var back = sandbox.CocoonNet([.. Adopt, "--dhcp", "dnsmasq"]);
        Assert.True(back.ExitCode == 0, back.ToString());
        Assert.NotNull(sandbox.DnsmasqPid());
        Assert.True(File.Exists(dnsmasqConflist));
        Assert.False(File.Exists(embeddedConflist));
        Assert.Equal(4, sandbox.RoutesWithProtocol("204").Count);
        Assert.Contains("dhcp-range=172.20.0.2,172.20.0.5,255.255.255.0,1h", File.ReadAllText(dnsmasqConfig));
        Assert.DoesNotContain("\"dhcp\"", File.ReadAllText(poolJson), StringComparison.Ordinal);
        var healthy = sandbox.CocoonNet("status");
        Assert.True(healthy.ExitCode == 0, healthy.ToString());
        Assert.Contains("Note:       leases.json and the control socket are kept only while the agent runs", healthy.Stdout);

        var teardown = sandbox.CocoonNet("teardown");
        Assert.True(teardown.ExitCode == 0, teardown.ToString());
        NodeChecks.AssertClean(sandbox, "after teardown");
    }

    [PrivilegedFact]
    public void Teardown_of_an_embedded_node_removes_leases_json_and_the_conflist()
    {
        using var sandbox = new Sandbox();
        var adopt = sandbox.CocoonNet([.. Adopt, "--dhcp", "embedded"]);
        Assert.True(adopt.ExitCode == 0, adopt.ToString());
        Assert.Null(sandbox.DnsmasqPid());
        // What the agent's server leaves behind.
        File.WriteAllText(Path.Combine(sandbox.StateDirectory, "leases.json"), "[]");

        var teardown = sandbox.CocoonNet("teardown");
        Assert.True(teardown.ExitCode == 0, teardown.ToString());
        Assert.Contains("- remove " + Path.Combine(sandbox.StateDirectory, "leases.json"), teardown.Stdout);
        NodeChecks.AssertClean(sandbox, "after teardown");
    }

    [PrivilegedFact]
    public void A_kill_at_any_boundary_of_the_switch_converges_on_rerun_and_tears_down_clean()
    {
        string[] toEmbedded = [.. Adopt, "--dhcp", "embedded"];
        List<string> boundaries;
        using (var probe = new Sandbox())
        {
            Assert.Equal(0, probe.CocoonNet(Adopt).ExitCode);
            boundaries = NodeChecks.Boundaries(probe, toEmbedded);
        }

        Assert.Contains("dhcp/1/after", boundaries);
        Assert.Contains("cni/2/before", boundaries);
        foreach (var boundary in boundaries)
        {
            using var sandbox = new Sandbox();
            Assert.Equal(0, sandbox.CocoonNet(Adopt).ExitCode);
            // Killed mid-switch (dnsmasq half stopped, one conflist or two), the re-run must finish the switch.
            NodeChecks.KillRerunTeardown(sandbox, toEmbedded, boundary);
            NodeChecks.AssertClean(sandbox, boundary);
        }
    }
}
