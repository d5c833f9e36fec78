using System.Net;
using CocoonNet.Gke.Tests.Support;
using CocoonNet.Tests.Support;

namespace CocoonNet.Gke.Tests.Integration;

/// <summary>
/// The built cocoon-net with the built gke plugin, on a sandbox node whose "GCE" is the emulator in the
/// outside namespace: detection, ADC through the emulated metadata token endpoint, Compute calls, the
/// host pipeline, a VM getting an address by DHCP, and teardown back to the start.
/// </summary>
[Collection(GkeNamespaceCollection.Name)]
public sealed class GkeInNamespacesTests
{
    private const string Cfg = "/etc/default/instance_configs.cfg";
    private const string CfgBefore = "# image defaults\n[Accounts]\ndeprovision_remove = true\n";
    private static readonly string[] Init = ["init", "--node-name", "vm-node", "--subnet", "172.20.1.0/24", "--pool-size", "20"];

    [PrivilegedFact]
    public void Init_gives_a_vm_a_routable_address_a_rerun_changes_nothing_and_teardown_restores_everything()
    {
        using var sandbox = new Sandbox();
        using var gce = new GceEmulatorProcess(sandbox);
        var env = GceEmulatorProcess.Environment(sandbox);
        var instancesBefore = gce.Instances();
        var rangesBefore = gce.Ranges();
        var rulesBefore = sandbox.IptablesSave();
        Directory.CreateDirectory(Path.GetDirectoryName(sandbox.PathOf(Cfg))!);
        File.WriteAllText(sandbox.PathOf(Cfg), CfgBefore);
        // What the guest agent does for an alias range: claim it as local on the primary NIC.
        sandbox.InNamespace(sandbox.Node, "ip", "route", "add", "local", "172.20.1.0/24", "dev", "up0", "table", "local", "proto", "66");

        // No agent runs here: dnsmasq's new leases would wait for one (anti-spoofing's lease set is the agent's to keep).
        var init = sandbox.CocoonNet([.. Init, "--anti-spoofing=false"], env);

        Assert.True(init.ExitCode == 0, init.ToString());
        Assert.Contains("cloud     + add secondary range cocoon-pods=172.20.1.0/24 to subnetwork gke-nodes (us-central1)", init.Stdout);
        Assert.Contains("cloud     + add alias cocoon-pods:172.20.1.0/24 to nic0 of gke-node-1 (keeping gke-pods:10.8.1.0/24)", init.Stdout);
        Assert.Contains("prepare   ~ set [IpForwarding] ip_aliases = false in /etc/default/instance_configs.cfg (was no such section)", init.Stdout);
        Assert.Contains("prepare   - delete local route 172.20.1.0/24 on up0", init.Stdout);
        Assert.Contains("cocoon-net init complete: 20 IPs provisioned on 172.20.1.0/24 (gke)", init.Stdout);
        Assert.Equal(CfgBefore + "\n[IpForwarding]\nip_aliases = false\n", File.ReadAllText(sandbox.PathOf(Cfg)));
        Assert.DoesNotContain("172.20.1.0/24", sandbox.InNamespace(sandbox.Node, "ip", "route", "show", "table", "local", "dev", "up0"));
        Assert.Equal("gke-pods:10.8.1.0/24, cocoon-pods:172.20.1.0/24", gce.Aliases("gke-node-1"));
        Assert.Equal(2, gce.Mutations());

        var state = File.ReadAllText(Path.Combine(sandbox.StateDirectory, "pool.json"));
        Assert.Contains("\"aliasRangeName\": \"cocoon-pods\"", state);
        Assert.Contains("\"instance\": \"gke-node-1\"", state);
        // Secrets: the bearer tokens the emulator issued ("emu-...") appear nowhere.
        Assert.DoesNotContain("emu-", state + init.Stdout + init.Stderr);

        var vm = sandbox.AddVm();
        var address = sandbox.Dhcp(vm);
        Assert.NotNull(address);
        Assert.True(IPNetwork.Parse("172.20.1.0/24").Contains(IPAddress.Parse(address)), address);
        Assert.True(sandbox.Ping(vm, "203.0.113.1"), "VM cannot reach the outside through the node");
        // The node forwards to its VM instead of taking the address for its own (the guest agent's hijack).
        var route = sandbox.InNamespace(sandbox.Node, "ip", "route", "get", address);
        Assert.StartsWith(address, route);
        Assert.Contains("dev cni0", route);

        var status = sandbox.CocoonNet(["status"], env);
        Assert.True(status.ExitCode == 0, status.ToString());
        Assert.Contains("Aliases:    gke-pods:10.8.1.0/24, cocoon-pods:172.20.1.0/24", status.Stdout);
        Assert.Contains("GuestAgent: ip_aliases = false in /etc/default/instance_configs.cfg (set by cocoon-net)", status.Stdout);

        var files = new[] { "var/lib/cocoon/net/pool.json", Cfg, "etc/dnsmasq-cni.d/cni0.conf" }.Select(sandbox.PathOf).ToArray();
        var mtimes = files.Select(File.GetLastWriteTimeUtc).ToArray();
        var rerun = sandbox.CocoonNet(Init, env);
        Assert.True(rerun.ExitCode == 0, rerun.ToString());
        Assert.StartsWith("no changes: the host already matches", rerun.Stdout);
        Assert.Equal(2, gce.Mutations());
        Assert.Equal(mtimes, files.Select(File.GetLastWriteTimeUtc).ToArray());

        sandbox.RemoveVm(vm);
        var teardown = sandbox.CocoonNet(["teardown"], env);
        Assert.True(teardown.ExitCode == 0, teardown.ToString());
        Assert.Contains("cloud     - remove alias cocoon-pods:172.20.1.0/24 from nic0 of gke-node-1 (keeping gke-pods:10.8.1.0/24)", teardown.Stdout);
        Assert.Contains("cleanup   ~ restore [IpForwarding] ip_aliases in /etc/default/instance_configs.cfg (no such section)", teardown.Stdout);
        Assert.Contains("cocoon-net teardown complete (gke)", teardown.Stdout);
        Assert.Equal(instancesBefore, gce.Instances());
        // The shared range stays for the other nodes; nothing else changed.
        Assert.Equal([.. rangesBefore, "cocoon-pods=172.20.1.0/24"], gce.Ranges());
        Assert.Equal(CfgBefore, File.ReadAllText(sandbox.PathOf(Cfg)));
        Assert.DoesNotContain("cni0", sandbox.Links(sandbox.Node));
        Assert.Equal(rulesBefore, sandbox.IptablesSave());
        Assert.False(File.Exists(Path.Combine(sandbox.StateDirectory, "pool.json")));
    }

    [PrivilegedFact]
    public void Other_nodes_aliases_and_gke_pod_aliases_survive_init_and_teardown_on_a_shared_range()
    {
        using var sandbox = new Sandbox();
        using var gce = new GceEmulatorProcess(sandbox);
        gce.SeedRanges(("gke-pods", "10.8.0.0/14"), ("cocoon-pods", "172.20.0.0/16"));
        gce.SeedAliases("gke-node-2", ("10.8.2.0/24", "gke-pods"), ("172.20.2.0/24", "cocoon-pods"));
        var before = gce.Instances();
        var env = GceEmulatorProcess.Environment(sandbox);

        var init = sandbox.CocoonNet([.. Init, "--platform", "gke"], env);

        Assert.True(init.ExitCode == 0, init.ToString());
        Assert.DoesNotContain("secondary range", init.Stdout);
        Assert.Equal(1, gce.Mutations());
        Assert.Equal("gke-pods:10.8.2.0/24, cocoon-pods:172.20.2.0/24", gce.Aliases("gke-node-2"));

        var teardown = sandbox.CocoonNet(["teardown"], env);
        Assert.True(teardown.ExitCode == 0, teardown.ToString());
        Assert.Equal(before, gce.Instances());
        Assert.Equal(["gke-pods=10.8.0.0/14", "cocoon-pods=172.20.0.0/16"], gce.Ranges());
    }

    [PrivilegedFact]
    public void A_fingerprint_race_a_503_burst_and_a_lost_answer_still_end_in_one_clean_change_each()
    {
        using var sandbox = new Sandbox();
        using var gce = new GceEmulatorProcess(sandbox);
        gce.Faults(new { conflicts = 1, unavailable = 3, lostResponses = 1 });
        var env = GceEmulatorProcess.Environment(sandbox);

        var init = sandbox.CocoonNet(Init, env);

        Assert.True(init.ExitCode == 0, init.ToString());
        Assert.Equal(2, gce.Mutations());
        Assert.Contains("concurrent-1=10.200.1.0/24", gce.Ranges());
        Assert.Equal("gke-pods:10.8.1.0/24, cocoon-pods:172.20.1.0/24", gce.Aliases("gke-node-1"));
        Assert.Contains("fingerprint conflict", init.Stderr);
        Assert.Contains("HTTP 503", init.Stderr);
    }

    [PrivilegedFact]
    public void An_operation_ending_in_error_fails_clearly_leaves_nothing_behind_and_teardown_still_works()
    {
        using var sandbox = new Sandbox();
        using var gce = new GceEmulatorProcess(sandbox);
        gce.Faults(new { operationErrors = 1 });
        var env = GceEmulatorProcess.Environment(sandbox);
        var before = gce.Instances();

        var init = sandbox.CocoonNet(Init, env);

        Assert.Equal(1, init.ExitCode);
        Assert.Contains("Error: provision gke network: add secondary range cocoon-pods=172.20.1.0/24 to subnetwork gke-nodes", init.Stderr);
        Assert.Contains("QUOTA_EXCEEDED", init.Stderr);
        Assert.Equal(0, gce.Mutations());
        Assert.DoesNotContain("cni0", sandbox.Links(sandbox.Node));
        // pool.json was written before the first mutation: teardown knows what to look for.
        Assert.Contains("\"instance\": \"gke-node-1\"", File.ReadAllText(Path.Combine(sandbox.StateDirectory, "pool.json")));

        var teardown = sandbox.CocoonNet(["teardown"], env);
        Assert.True(teardown.ExitCode == 0, teardown.ToString());
        Assert.Equal(before, gce.Instances());
        Assert.False(File.Exists(Path.Combine(sandbox.StateDirectory, "pool.json")));
    }

    [PrivilegedFact]
    public void A_vm_without_the_compute_scope_is_told_how_to_fix_it_before_anything_changes()
    {
        using var sandbox = new Sandbox();
        using var gce = new GceEmulatorProcess(sandbox, "--Scopes", "https://www.googleapis.com/auth/devstorage.read_only");
        var env = GceEmulatorProcess.Environment(sandbox);

        var init = sandbox.CocoonNet(Init, env);

        Assert.Equal(1, init.ExitCode);
        Assert.Contains("the VM's service account lacks the compute access scope (it has: https://www.googleapis.com/auth/devstorage.read_only)", init.Stderr);
        Assert.Contains("--scopes=cloud-platform", init.Stderr);
        Assert.Equal(0, gce.Mutations());
        Assert.DoesNotContain("cni0", sandbox.Links(sandbox.Node));
    }

    [PrivilegedFact]
    public void A_service_account_key_file_is_used_scoped_for_compute_and_never_logged()
    {
        using var sandbox = new Sandbox();
        using var gce = new GceEmulatorProcess(sandbox, "--Scopes", "https://www.googleapis.com/auth/devstorage.read_only");
        using var rsa = System.Security.Cryptography.RSA.Create(2048);
        var keyFile = Path.Combine(sandbox.Root, "key.json");
        File.WriteAllText(keyFile, System.Text.Json.JsonSerializer.Serialize(new Dictionary<string, string>
        {
            ["type"] = "service_account",
            ["project_id"] = "cocoon-emu",
            ["private_key_id"] = "k1",
            ["private_key"] = rsa.ExportPkcs8PrivateKeyPem(),
            ["client_email"] = "cocoon-net@cocoon-emu.iam.gserviceaccount.com",
            ["client_id"] = "1",
            ["token_uri"] = $"http://{GceEmulatorProcess.Address}/token",
        }));
        var env = GceEmulatorProcess.Environment(sandbox);
        env["GOOGLE_APPLICATION_CREDENTIALS"] = keyFile;

        // The VM's own scopes lack compute, but the key file's credentials do not depend on them.
        var init = sandbox.CocoonNet([.. Init, "--dry-run"], env);

        Assert.True(init.ExitCode == 0, init.ToString());
        Assert.Contains("  cloud     + add alias cocoon-pods:172.20.1.0/24 to nic0 of gke-node-1", init.Stdout);
        Assert.Equal("https://www.googleapis.com/auth/compute", gce.State().GetProperty("keyFileScope").GetString());
        Assert.DoesNotContain("PRIVATE KEY", init.Stdout + init.Stderr);
        Assert.DoesNotContain("emu-", init.Stdout + init.Stderr);
    }

    [PrivilegedFact]
    public void Dry_run_prints_the_cloud_and_host_plan_and_changes_nothing()
    {
        using var sandbox = new Sandbox();
        using var gce = new GceEmulatorProcess(sandbox);
        var env = GceEmulatorProcess.Environment(sandbox);

        var plan = sandbox.CocoonNet([.. Init, "--dry-run", "--drop-internal-access"], env);

        Assert.True(plan.ExitCode == 0, plan.ToString());
        // Upstream's flag shows in the dry-run's config block and plan (issue 22).
        Assert.Contains("  drop-internal: true\n", plan.Stdout);
        Assert.Contains("+ drop VM traffic to 172.20.1.0/24 (--drop-internal-access)", plan.Stdout);
        Assert.Contains("  cloud     + add secondary range cocoon-pods=172.20.1.0/24", plan.Stdout);
        Assert.Contains("  cloud     + add alias cocoon-pods:172.20.1.0/24 to nic0 of gke-node-1", plan.Stdout);
        Assert.Contains("  prepare   ~ set [IpForwarding] ip_aliases = false in /etc/default/instance_configs.cfg (was no such file)", plan.Stdout);
        Assert.Equal(0, gce.Mutations());
        Assert.DoesNotContain(Directory.EnumerateFileSystemEntries(sandbox.Root), e => !e.EndsWith(".sock", StringComparison.Ordinal));
    }
}

[CollectionDefinition(Name)]
public sealed class GkeNamespaceCollection
{
    public const string Name = "gke network namespaces";
}
