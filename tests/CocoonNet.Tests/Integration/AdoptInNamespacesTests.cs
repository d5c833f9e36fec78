using System.Net;
using CocoonNet.Tests.Support;

namespace CocoonNet.Tests.Integration;

/// <summary>cocoon-net adopt for real: a node namespace, VMs on cni0 getting addresses by DHCP.</summary>
[Collection(NamespaceCollection.Name)]
public sealed class AdoptInNamespacesTests
{
    private static readonly string[] Adopt = ["adopt", "--node-name", "sandbox", "--subnet", "172.20.0.0/24"];

    [PrivilegedFact]
    public void Vm_gets_a_pool_address_by_dhcp_and_reaches_the_outside_through_the_nat()
    {
        using var sandbox = new Sandbox(forwardPolicyDrop: true);
        var result = sandbox.CocoonNet([.. Adopt, "--manage-iptables"]);
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("cocoon-net adopt complete: 253 IPs registered on 172.20.0.0/24 (generic, cloud preserved)", result.Stdout);
        Assert.DoesNotContain(" INF ", result.Stdout);

        var vm = sandbox.AddVm();
        var address = sandbox.Dhcp(vm);
        Assert.NotNull(address);
        Assert.True(IPNetwork.Parse("172.20.0.0/24").Contains(IPAddress.Parse(address)), address);
        Assert.NotEqual("172.20.0.1", address);

        // The outside namespace has no route to 172.20.0.0/24: only the MASQUERADE gets the reply home,
        // and FORWARD's policy is DROP: only cocoon-net's FORWARD rules let the packets through.
        Assert.True(sandbox.Ping(vm, "203.0.113.1"), "VM cannot reach the outside through the node");
    }

    [PrivilegedFact]
    public void A_second_adopt_changes_nothing()
    {
        using var sandbox = new Sandbox();
        Assert.Equal(0, sandbox.CocoonNet([.. Adopt, "--manage-iptables"]).ExitCode);
        var files = new[] { "etc/dnsmasq-cni.d/cni0.conf", "etc/cni/net.d/30-dnsmasq-dhcp.conflist", "var/lib/cocoon/net/pool.json" }
            .Select(sandbox.PathOf).ToArray();
        var mtimes = files.Select(File.GetLastWriteTimeUtc).ToArray();
        var pid = sandbox.DnsmasqPid();
        var rules = sandbox.IptablesSave();
        var routes = sandbox.RoutesWithProtocol("204");
        Assert.NotNull(pid);
        Assert.Equal(253, routes.Count);

        var again = sandbox.CocoonNet(Adopt);
        Assert.True(again.ExitCode == 0, again.ToString());
        Assert.StartsWith("no changes: the host already matches", again.Stdout);
        Assert.Equal(mtimes, files.Select(File.GetLastWriteTimeUtc).ToArray());
        Assert.Equal(pid, sandbox.DnsmasqPid());
        Assert.Equal(rules, sandbox.IptablesSave());
        Assert.Equal(routes, sandbox.RoutesWithProtocol("204"));
    }

    [PrivilegedFact]
    public void Rules_changed_behind_its_back_are_repaired_while_others_rules_and_counters_are_not_a_change()
    {
        using var sandbox = new Sandbox();
        Assert.Equal(0, sandbox.CocoonNet([.. Adopt, "--manage-iptables"]).ExitCode);
        Assert.Contains("\"iptablesFingerprint\": \"nft:", File.ReadAllText(Path.Combine(sandbox.StateDirectory, "pool.json")));
        var rules = sandbox.IptablesSave();

        sandbox.InNamespace(sandbox.Node, "iptables", "-D", "COCOON-NET-FORWARD", "1");
        var repaired = sandbox.CocoonNet(Adopt);
        Assert.True(repaired.ExitCode == 0, repaired.ToString());
        Assert.Contains("~ rewrite chain filter/COCOON-NET-FORWARD", repaired.Stdout);
        Assert.Equal(rules, sandbox.IptablesSave());

        sandbox.InNamespace(sandbox.Node, "iptables", "-t", "nat", "-D", "POSTROUTING", "-j", "COCOON-NET-POSTROUTING");
        Assert.Contains("+ jump nat/POSTROUTING -> COCOON-NET-POSTROUTING (first rule)", sandbox.CocoonNet(Adopt).Stdout);
        Assert.Equal(rules, sandbox.IptablesSave());

        sandbox.InNamespace(sandbox.Node, "iptables", "-A", "FORWARD", "-i", "lo", "-j", "ACCEPT");
        sandbox.InNamespace(sandbox.Node, "iptables", "-Z");
        var again = sandbox.CocoonNet(Adopt);
        Assert.StartsWith("no changes: the host already matches", again.Stdout);
    }

    [PrivilegedFact]
    public void Under_iptables_legacy_no_fingerprint_is_recorded_and_re_runs_compare_with_iptables_save()
    {
        using var sandbox = new Sandbox();
        var bin = Directory.CreateTempSubdirectory("cocoon-net-legacy-");
        try
        {
            // xtables-legacy-multi acts by the name it is called with: these two are the legacy backend.
            foreach (var tool in new[] { "iptables-save", "iptables-restore" })
            {
                File.CreateSymbolicLink(Path.Combine(bin.FullName, tool), "/usr/sbin/xtables-legacy-multi");
            }

            var legacy = new Dictionary<string, string> { ["PATH"] = $"{bin.FullName}:{Environment.GetEnvironmentVariable("PATH")}" };
            var first = sandbox.CocoonNet([.. Adopt, "--manage-iptables"], legacy);
            Assert.True(first.ExitCode == 0, first.ToString());
            Assert.Contains("-A COCOON-NET-FORWARD -i cni0 -o cni0 -j DROP", sandbox.InNamespace(sandbox.Node, "iptables-legacy-save"));
            Assert.DoesNotContain("iptablesFingerprint", File.ReadAllText(Path.Combine(sandbox.StateDirectory, "pool.json")));

            Assert.StartsWith("no changes: the host already matches", sandbox.CocoonNet(Adopt, legacy).Stdout);
            sandbox.InNamespace(sandbox.Node, "iptables-legacy", "-D", "COCOON-NET-FORWARD", "1");
            Assert.Contains("~ rewrite chain filter/COCOON-NET-FORWARD", sandbox.CocoonNet(Adopt, legacy).Stdout);
        }
        finally
        {
            bin.Delete(recursive: true);
        }
    }

    [PrivilegedFact]
    public void Dry_run_prints_the_plan_and_changes_nothing()
    {
        using var sandbox = new Sandbox();
        var rules = sandbox.IptablesSave();
        var result = sandbox.CocoonNet([.. Adopt, "--manage-iptables", "--dry-run"]);
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("[dry-run] would adopt node with config:", result.Stdout);
        Assert.Contains("+ create bridge cni0", result.Stdout);
        Assert.Contains("+ add 253 /32 routes via cni0: 172.20.0.2-172.20.0.254", result.Stdout);
        Assert.Contains("+ start dnsmasq-cni (process)", result.Stdout);
        Assert.DoesNotContain("cni0", sandbox.Links(sandbox.Node));
        Assert.Equal(rules, sandbox.IptablesSave());
        Assert.Empty(Directory.EnumerateFileSystemEntries(sandbox.Root));
        Assert.Null(sandbox.DnsmasqPid());
    }

    [PrivilegedFact]
    public void Adopt_without_manage_iptables_leaves_every_rule_alone()
    {
        using var sandbox = new Sandbox();
        var before = sandbox.IptablesSave();
        Assert.Equal(0, sandbox.CocoonNet(Adopt).ExitCode);
        Assert.Equal(before, sandbox.IptablesSave());
    }

    [PrivilegedFact]
    public void A_changed_pool_replaces_only_what_differs_and_restarts_dhcp()
    {
        using var sandbox = new Sandbox();
        Assert.Equal(0, sandbox.CocoonNet(Adopt).ExitCode);
        var pid = sandbox.DnsmasqPid();

        var result = sandbox.CocoonNet([.. Adopt, "--pool-size", "10"]);
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("- remove 243 stale /32 routes: 172.20.0.12-172.20.0.254", result.Stdout);
        Assert.Contains("restart dnsmasq-cni", result.Stdout);
        Assert.DoesNotContain("bridge", result.Stdout);
        Assert.Equal(10, sandbox.RoutesWithProtocol("204").Count);
        Assert.NotEqual(pid, sandbox.DnsmasqPid());
        Assert.Contains("dhcp-range=172.20.0.2,172.20.0.11,255.255.255.0,24h", File.ReadAllText(sandbox.PathOf("etc/dnsmasq-cni.d/cni0.conf")));
    }

    [PrivilegedFact]
    public void A_stopped_dhcp_service_is_started_again_by_a_rerun()
    {
        using var sandbox = new Sandbox();
        Assert.Equal(0, sandbox.CocoonNet(Adopt).ExitCode);
        Shell.Check("kill", "-9", sandbox.DnsmasqPid()!.Value.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Thread.Sleep(200);
        var result = sandbox.CocoonNet(Adopt);
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("+ start dnsmasq-cni (process)", result.Stdout);
        Assert.NotNull(sandbox.DnsmasqPid());
    }

    [PrivilegedFact]
    public void Teardown_leaves_the_node_as_it_was()
    {
        using var sandbox = new Sandbox();
        var rules = sandbox.IptablesSave();
        Assert.Equal(0, sandbox.CocoonNet([.. Adopt, "--manage-iptables"]).ExitCode);
        var vm = sandbox.AddVm();
        Assert.NotNull(sandbox.Dhcp(vm));

        var keep = sandbox.CocoonNet("teardown", "--dry-run");
        Assert.True(keep.ExitCode == 0, keep.ToString());
        Assert.Contains("keeping bridge cni0: VM ports still attached", keep.Stdout);
        Assert.Contains("cni0", sandbox.Links(sandbox.Node));
        Assert.True(File.Exists(sandbox.PathOf("var/lib/cocoon/net/pool.json")));

        sandbox.RemoveVm(vm);
        var dryRun = sandbox.CocoonNet("teardown", "--dry-run");
        Assert.Contains("- delete bridge cni0", dryRun.Stdout);
        Assert.Contains("cni0", sandbox.Links(sandbox.Node));

        var result = sandbox.CocoonNet("teardown");
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("cocoon-net teardown complete (generic)", result.Stdout);
        Assert.DoesNotContain("cni0", sandbox.Links(sandbox.Node));
        Assert.Empty(sandbox.RoutesWithProtocol("204"));
        Assert.Equal(rules, sandbox.IptablesSave());
        Assert.Null(sandbox.DnsmasqPid());
        var left = Directory.EnumerateFiles(sandbox.Root, "*", SearchOption.AllDirectories)
            .Where(f => !f.EndsWith("udhcpc.sh", StringComparison.Ordinal) && !f.EndsWith(".lock", StringComparison.Ordinal))
            .ToList();
        Assert.True(left.Count == 0, "left behind: " + string.Join(", ", left));

        var again = sandbox.CocoonNet("teardown");
        Assert.True(again.ExitCode == 0, again.ToString());
        Assert.Contains("nothing to tear down", again.Stdout);
    }

    [PrivilegedFact]
    public void Teardown_keeps_a_bridge_and_address_it_did_not_create()
    {
        using var sandbox = new Sandbox();
        sandbox.InNamespace(sandbox.Node, "ip", "link", "add", "cni0", "type", "bridge");
        sandbox.InNamespace(sandbox.Node, "ip", "addr", "add", "172.20.0.1/24", "dev", "cni0");
        Assert.Equal(0, sandbox.CocoonNet(Adopt).ExitCode);
        Assert.Equal(0, sandbox.CocoonNet("teardown").ExitCode);
        Assert.Contains("cni0", sandbox.Links(sandbox.Node));
        Assert.Contains("172.20.0.1/24", sandbox.InNamespace(sandbox.Node, "ip", "-4", "addr", "show", "dev", "cni0"));
    }

    [PrivilegedFact]
    public void A_failure_midway_leaves_state_that_teardown_can_act_on()
    {
        using var sandbox = new Sandbox();
        var fakeBin = Path.Combine(sandbox.Root, "fakebin");
        Directory.CreateDirectory(fakeBin);
        File.WriteAllText(Path.Combine(fakeBin, "dnsmasq"), "#!/bin/sh\necho 'dnsmasq: bad config' >&2\nexit 3\n");
        File.SetUnixFileMode(Path.Combine(fakeBin, "dnsmasq"), UnixFileMode.UserRead | UnixFileMode.UserExecute);
        var failed = sandbox.CocoonNet(Adopt, new Dictionary<string, string> { ["PATH"] = $"{fakeBin}:{Environment.GetEnvironmentVariable("PATH")}" });
        Assert.Equal(1, failed.ExitCode);
        Assert.Contains("Error: dhcp: start dnsmasq-cni: exit code 3: dnsmasq: bad config", failed.Stderr);
        Assert.Contains("cni0", sandbox.Links(sandbox.Node));
        Assert.Contains("\"bridgeCreated\": true", File.ReadAllText(sandbox.PathOf("var/lib/cocoon/net/pool.json")));

        var teardown = sandbox.CocoonNet("teardown");
        Assert.True(teardown.ExitCode == 0, teardown.ToString());
        Assert.DoesNotContain("cni0", sandbox.Links(sandbox.Node));
        Assert.Empty(sandbox.RoutesWithProtocol("204"));
    }

    [PrivilegedFact]
    public void Status_reports_state_and_live_host_facts()
    {
        using var sandbox = new Sandbox();
        Assert.Equal(0, sandbox.CocoonNet(Adopt).ExitCode);
        var status = sandbox.CocoonNet("status");
        Assert.True(status.ExitCode == 0, status.ToString());
        var lines = status.Stdout.Split('\n');
        Assert.Equal("Platform:   generic", lines[0]);
        Assert.Equal("Node:       sandbox", lines[1]);
        Assert.Equal("Subnet:     172.20.0.0/24", lines[2]);
        Assert.Equal("Gateway:    172.20.0.1", lines[3]);
        Assert.Equal("IPs:        253", lines[4]);
        Assert.Matches(@"^Updated:    \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$", lines[5]);
        Assert.Contains("Routes:     253/253", status.Stdout);
        Assert.Contains("DHCP:       running (process, pid", status.Stdout);

        var json = sandbox.CocoonNet("status", "--output", "json");
        using var document = System.Text.Json.JsonDocument.Parse(json.Stdout);
        Assert.Equal(253, document.RootElement.GetProperty("ips").GetProperty("count").GetInt32());
        Assert.Equal("generic", document.RootElement.GetProperty("node").GetProperty("platform").GetString());
    }

    [PrivilegedFact]
    public void A_second_run_waits_for_the_lock_then_fails_clearly()
    {
        using var sandbox = new Sandbox();
        Directory.CreateDirectory(sandbox.StateDirectory);
        using (new FileStream(Path.Combine(sandbox.StateDirectory, ".lock"), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None))
        {
            var result = sandbox.CocoonNet(Adopt);
            Assert.Equal(1, result.ExitCode);
            Assert.Contains("holds the lock on", result.Stderr);
        }

        Assert.DoesNotContain("cni0", sandbox.Links(sandbox.Node));
    }
}

[CollectionDefinition(Name)]
public sealed class NamespaceCollection
{
    public const string Name = "network namespaces";
}
