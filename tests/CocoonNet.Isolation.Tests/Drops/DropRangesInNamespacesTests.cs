using System.Diagnostics;
using CocoonNet.Tests.Support;

namespace CocoonNet.Tests.Integration;

/// <summary>
/// <c>--drop-cidr</c>, <c>--drop-internal-access</c> and the isolation hairpin rule on a sandbox node: VMs plugged by
/// hand, addresses by udhcpc (confined), an "outside" namespace behind the node's uplink holding one address inside a
/// dropped range (198.51.100.1) and one outside it (203.0.113.1). Anti-spoofing is off in these runs: it has tests of
/// its own, and without an agent dnsmasq's new leases would not be let through it (these tests are about the L3 drops).
/// </summary>
[Collection(IsolationCollection.Name)]
public sealed class DropRangesInNamespacesTests
{
    private const string Dropped = "198.51.100.1";
    private const string Allowed = "203.0.113.1";

    private static readonly string[] Adopt =
        ["adopt", "--node-name", "sandbox", "--subnet", "172.20.0.0/24", "--pool-size", "8", "--manage-iptables", "--anti-spoofing=false"];

    /// <summary>
    /// A sandbox (FORWARD and INPUT policy DROP: only cocoon-net's accepts let VM traffic through) whose outside also
    /// answers on <see cref="Dropped"/> (routed there by the node's default route).
    /// </summary>
    private static Sandbox Node()
    {
        var sandbox = new Sandbox(forwardPolicyDrop: true);
        sandbox.InNamespace(sandbox.Outside, "ip", "addr", "add", $"{Dropped}/32", "dev", "lo");
        // INPUT's policy is DROP too: the node answers pings as a host whose admin allows ICMP, so "VMs keep their
        // gateway" can be seen (the drops are FORWARD rules and must not touch INPUT).
        sandbox.InNamespace(sandbox.Node, "iptables", "-A", "INPUT", "-p", "icmp", "-j", "ACCEPT");
        return sandbox;
    }

    private static void Ok(CommandResult result) => Assert.True(result.ExitCode == 0, result.ToString());

    [PrivilegedFact]
    public void A_drop_cidr_stops_vm_traffic_to_its_range_only_is_repaired_cleared_and_torn_down()
    {
        using var sandbox = Node();
        var adopt = sandbox.CocoonNet([.. Adopt, "--drop-cidr", "198.51.100.7/24"]);
        Ok(adopt);
        Assert.Contains("+ drop VM traffic to 198.51.100.0/24 (--drop-cidr)", adopt.Stdout);
        Assert.Contains("\"dropCIDRs\": [\n    \"198.51.100.0/24\"\n  ]", File.ReadAllText(Path.Combine(sandbox.StateDirectory, "pool.json")));
        Assert.Contains("-A COCOON-NET-FORWARD -d 198.51.100.0/24 -i cni0 -j DROP", sandbox.IptablesSave());

        var vm = sandbox.AddVm();
        Assert.NotNull(sandbox.Dhcp(vm));
        Assert.True(sandbox.Ping(vm, Allowed), "VM cannot reach an address outside the dropped range");
        Assert.False(sandbox.Ping(vm, Dropped), "VM reached an address in --drop-cidr");
        Assert.True(sandbox.Ping(vm, "172.20.0.1"), "VM lost its gateway");
        Assert.True(sandbox.Ping(sandbox.Node, Dropped), "the node itself lost the range (only VMs' routed traffic is dropped)");

        var status = sandbox.CocoonNet("status");
        Assert.True(status.ExitCode == 0, status.ToString());
        Assert.Contains("Drops:      198.51.100.0/24", status.Stdout);

        // Deleted behind its back: status degraded (exit 3), a re-run without the flag puts it back from pool.json.
        sandbox.InNamespace(sandbox.Node, "iptables", "-D", "COCOON-NET-FORWARD", "-d", "198.51.100.0/24", "-i", "cni0", "-j", "DROP");
        Assert.True(sandbox.Ping(vm, Dropped), "the rule deleted by hand was not what dropped the traffic");
        var degraded = sandbox.CocoonNet("status");
        Assert.True(degraded.ExitCode == 3, degraded.ToString());
        Assert.Contains("COCOON-NET-FORWARD lacks drop 198.51.100.0/24", degraded.Stdout);
        var repaired = sandbox.CocoonNet(Adopt);
        Ok(repaired);
        Assert.Contains("+ drop VM traffic to 198.51.100.0/24 (--drop-cidr)", repaired.Stdout);
        Assert.False(sandbox.Ping(vm, Dropped), "the re-run did not restore the drop");

        // --drop-cidr none clears the record and the rule.
        var cleared = sandbox.CocoonNet([.. Adopt, "--drop-cidr", "none"]);
        Ok(cleared);
        Assert.Contains("- stop dropping VM traffic to 198.51.100.0/24", cleared.Stdout);
        Assert.DoesNotContain("dropCIDRs", File.ReadAllText(Path.Combine(sandbox.StateDirectory, "pool.json")));
        Assert.True(sandbox.Ping(vm, Dropped), "the range is still dropped after --drop-cidr none");

        Ok(sandbox.CocoonNet([.. Adopt, "--drop-cidr", "198.51.100.0/24"]));
        Ok(sandbox.CocoonNet("teardown"));
        var rules = sandbox.IptablesSave();
        Assert.DoesNotContain("COCOON", rules);
        Assert.DoesNotContain("198.51.100", rules);
    }

    /// <summary>A host route in <paramref name="vm"/> sending <paramref name="peer"/>'s address through the gateway: routed, not bridged.</summary>
    private static void RouteViaGateway(Sandbox sandbox, string vm, string peer) =>
        sandbox.InNamespace(vm, "ip", "route", "replace", $"{peer}/32", "via", "172.20.0.1", "dev", "eth0");

    [PrivilegedFact]
    public void Routed_vm_to_vm_traffic_is_dropped_by_isolation_or_drop_internal_access_and_passes_without_both()
    {
        using var sandbox = Node();
        Ok(sandbox.CocoonNet(Adopt));
        var a = sandbox.AddVm();
        var b = sandbox.AddVm();
        Assert.NotNull(sandbox.Dhcp(a));
        var peer = sandbox.Dhcp(b);
        Assert.NotNull(peer);
        RouteViaGateway(sandbox, a, peer);

        // Isolation on (the default): the hairpin cni0 -> cni0 is dropped, so a route via the gateway is no way around it.
        Assert.Contains("-A COCOON-NET-FORWARD -i cni0 -o cni0 -j DROP", sandbox.IptablesSave());
        Assert.False(sandbox.Ping(a, peer), "routed VM-to-VM traffic passed with isolation on");

        var open = sandbox.CocoonNet([.. Adopt, "--vm-isolation=false"]);
        Ok(open);
        Assert.Contains("~ accept routed VM-to-VM traffic (cni0 -> cni0) (--vm-isolation=false)", open.Stdout);
        Assert.True(sandbox.Ping(a, peer), "routed VM-to-VM traffic dropped with --vm-isolation=false");

        // --drop-internal-access drops it even so (the own subnet is a drop range), and nothing else.
        var internalDrop = sandbox.CocoonNet([.. Adopt, "--drop-internal-access"]);
        Ok(internalDrop);
        Assert.Contains("+ drop VM traffic to 172.20.0.0/24 (--drop-internal-access)", internalDrop.Stdout);
        var rules = sandbox.IptablesSave().Split('\n').Where(r => r.StartsWith("-A COCOON-NET-FORWARD", StringComparison.Ordinal)).ToList();
        Assert.Equal("-A COCOON-NET-FORWARD -d 172.20.0.0/24 -i cni0 -j DROP", rules[0]);
        Assert.False(sandbox.Ping(a, peer), "routed VM-to-VM traffic passed with --drop-internal-access");
        Assert.True(sandbox.Ping(a, "172.20.0.1"), "the gateway is INPUT traffic and must stay reachable");
        Assert.True(sandbox.Ping(a, Allowed), "the outside must stay reachable");

        // A re-run without the flags keeps both choices.
        Assert.StartsWith("no changes: the host already matches", sandbox.CocoonNet(Adopt).Stdout);
        var status = sandbox.CocoonNet("status");
        Assert.Contains("Settings:   vm-isolation off, anti-spoofing off, mtu auto", status.Stdout);
        Assert.Contains("Drops:      own subnet 172.20.0.0/24", status.Stdout);
        Ok(sandbox.CocoonNet("teardown"));
        Assert.DoesNotContain("COCOON", sandbox.IptablesSave());
    }

    [PrivilegedFact]
    public void The_dry_run_shows_the_settings_and_drops_and_adopt_without_managed_iptables_refuses_drops()
    {
        using var sandbox = Node();
        var dry = sandbox.CocoonNet([.. Adopt, "--dry-run", "--drop-internal-access", "--drop-cidr", "10.9.0.0/16", "--drop-cidr", "198.51.100.0/24",
            "--vm-isolation=false", "--mtu", "1400"]);
        Ok(dry);
        foreach (var line in new[]
        {
            "  drop-internal:   true", "  drop-cidr:       10.9.0.0/16,198.51.100.0/24", "  vm-isolation:    false", "  anti-spoofing:   false",
            "  mtu:             1400 (--mtu)", "+ drop VM traffic to 172.20.0.0/24 (--drop-internal-access)", "+ drop VM traffic to 10.9.0.0/16 (--drop-cidr)",
        })
        {
            Assert.Contains(line + "\n", dry.Stdout);
        }

        Assert.False(File.Exists(Path.Combine(sandbox.StateDirectory, "pool.json")));

        var refused = sandbox.CocoonNet("adopt", "--node-name", "sandbox", "--subnet", "172.20.0.0/24", "--drop-cidr", "10.9.0.0/16");
        Assert.True(refused.ExitCode == 2, refused.ToString());
        Assert.Equal(
            "Error: add --manage-iptables: --drop-cidr needs DROP rules in cocoon-net's iptables chains, and adopt leaves iptables alone by default",
            Assert.Single(refused.Stderr.Split('\n'), l => l.StartsWith("Error:", StringComparison.Ordinal)));
        Assert.DoesNotContain("cni0", sandbox.Links(sandbox.Node));
        Assert.False(File.Exists(Path.Combine(sandbox.StateDirectory, "pool.json")));
    }

    [PrivilegedFact]
    public void The_agent_takes_the_flags_with_mode_adopt_and_puts_a_deleted_chain_back_with_its_drops()
    {
        using var sandbox = Node();
        using var agent = new AgentProcess(sandbox, ["--mode", .. Adopt, "--drop-cidr", "198.51.100.0/24", "--vm-isolation=false", "--resync", "1s"]);
        Assert.True(agent.WaitForNotification("READY=1", TimeSpan.FromSeconds(30)), agent.Output);
        var recorded = File.ReadAllText(Path.Combine(sandbox.StateDirectory, "pool.json"));
        Assert.Contains("\"dropCIDRs\": [\n    \"198.51.100.0/24\"\n  ]", recorded);
        Assert.Contains("\"vmIsolation\": false", recorded);
        Assert.Contains("-A COCOON-NET-FORWARD -i cni0 -o cni0 -j ACCEPT", sandbox.IptablesSave());

        sandbox.InNamespace(sandbox.Node, "iptables", "-D", "FORWARD", "-j", "COCOON-NET-FORWARD");
        sandbox.InNamespace(sandbox.Node, "iptables", "-F", "COCOON-NET-FORWARD");
        sandbox.InNamespace(sandbox.Node, "iptables", "-X", "COCOON-NET-FORWARD");
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromSeconds(15) && !sandbox.IptablesSave().Contains("-A COCOON-NET-FORWARD -d 198.51.100.0/24 -i cni0 -j DROP", StringComparison.Ordinal))
        {
            Thread.Sleep(100);
        }

        var rules = sandbox.IptablesSave();
        Assert.True(rules.Contains("-A COCOON-NET-FORWARD -d 198.51.100.0/24 -i cni0 -j DROP", StringComparison.Ordinal)
            && rules.Contains("-A FORWARD -j COCOON-NET-FORWARD", StringComparison.Ordinal),
            $"not repaired after {clock.ElapsedMilliseconds} ms:\n{rules}\n{agent.Output}");
        Console.WriteLine($"agent restored the deleted forward chain with its drop in {clock.ElapsedMilliseconds} ms");
    }
}
