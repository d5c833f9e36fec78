using System.Diagnostics;
using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using CocoonNet.Tests.Support;
using CocoonNet.Tests.Validation;
using Xunit.Abstractions;

namespace CocoonNet.Volcengine.Tests.EndToEnd;

/// <summary>
/// cocoon-net with the volcengine plugin against the emulator, in network namespaces: the node gets a VM
/// subnet and secondary ENIs whose NICs appear by MAC, VMs get the ENIs' secondary IPs by DHCP, re-runs and
/// crashes converge, and teardown leaves the cloud exactly as it was.
/// </summary>
[Collection(VolcengineCollection.Name)]
public sealed class VolcengineInitTests(ITestOutputHelper output)
{
    private static readonly string[] Init = ["init", "--platform", "volcengine", "--node-name", "vol1", "--subnet", "172.20.0.0/24", "--pool-size", "40"];

    [PrivilegedFact]
    public void Init_gives_vms_eni_addresses_a_rerun_changes_nothing_and_teardown_restores_the_cloud()
    {
        using var sandbox = new Sandbox(forwardPolicyDrop: true);
        // A host with INPUT policy DROP still accepts the answers to its own connections (the cloud API).
        sandbox.InNamespace(sandbox.Node, "iptables", "-A", "INPUT", "-m", "conntrack", "--ctstate", "ESTABLISHED,RELATED", "-j", "ACCEPT");
        using var emulator = new VolcengineEmulator(sandbox, "--foreign-enis", "1");
        var before = emulator.Inventory();

        // No --platform: detection finds the emulated metadata service.
        // No agent runs here: dnsmasq's new leases would wait for one (anti-spoofing's lease set is the agent's to keep).
        var init = sandbox.CocoonNet([.. Init.Where((_, i) => i is not (1 or 2)), "--anti-spoofing=false"], emulator.Environment());
        Assert.True(init.ExitCode == 0, init.ToString());
        Assert.Contains("+ create subnet subnet-", init.Stdout);
        Assert.Equal(2, init.Stdout.Split('\n').Count(l => l.StartsWith("cloud     + create ENI ", StringComparison.Ordinal)));
        Assert.Contains("cocoon-net init complete: 40 IPs provisioned on 172.20.0.0/24 (volcengine)", init.Stdout);
        Assert.DoesNotContain(VolcengineEmulator.SecretKey, init.Stdout + init.Stderr);

        var state = JsonDocument.Parse(File.ReadAllText(Path.Combine(sandbox.StateDirectory, "pool.json"))).RootElement;
        var eniIds = state.GetProperty("eniIDs").EnumerateArray().Select(e => e.GetString()!).ToList();
        Assert.Equal(2, eniIds.Count);
        Assert.StartsWith("subnet-", state.GetProperty("subnetID").GetString());
        var inventory = emulator.InventoryJson();
        var enis = inventory.GetProperty("Enis").EnumerateArray().Where(e => eniIds.Contains(e.GetProperty("Id").GetString()!)).ToList();
        var secondaryIps = enis.SelectMany(e => e.GetProperty("SecondaryIps").EnumerateArray().Select(ip => ip.GetString()!)).Order().ToList();
        Assert.Equal(secondaryIps, state.GetProperty("ips").EnumerateArray().Select(ip => ip.GetString()!).Order().ToList());
        Assert.All(enis, e => Assert.Equal("InUse", e.GetProperty("Status").GetString()));

        // The ENIs' NICs were found by MAC, brought up, and are the uplinks the pipeline configured.
        var links = enis.Select(e => e.GetProperty("LinkName").GetString()!).ToList();
        Assert.Equal(links.Order(), state.GetProperty("secondaryNICs").EnumerateArray().Select(n => n.GetString()!).Order());
        foreach (var link in links)
        {
            Assert.Matches("[<,]UP[,>]", sandbox.InNamespace(sandbox.Node, "ip", "link", "show", link));
            Assert.Contains($"-i {link} -o cni0", sandbox.IptablesSave(), StringComparison.Ordinal);
        }

        var vm = sandbox.AddVm();
        var address = sandbox.Dhcp(vm);
        Assert.NotNull(address);
        Assert.Contains(address, secondaryIps);
        Assert.True(sandbox.Ping(vm, "203.0.113.1"), "VM cannot reach the outside through the node");
        sandbox.RemoveVm(vm);

        var calls = emulator.Calls();
        var rerun = sandbox.CocoonNet(Init, emulator.Environment());
        Assert.True(rerun.ExitCode == 0, rerun.ToString());
        Assert.StartsWith("no changes", rerun.Stdout);
        Assert.Equal(calls, emulator.Calls());

        var status = sandbox.CocoonNet(["status"], emulator.Environment());
        Assert.Contains("ENIs:       3 (1 not cocoon-net's)", status.Stdout);
        Assert.Contains($"SubnetID:   {state.GetProperty("subnetID").GetString()}", status.Stdout);
        Assert.Contains($"ENI IPs:    {eniIds[0]}=20, {eniIds[1]}=20", status.Stdout);
        Assert.Contains("Drift:      none", status.Stdout);
        Assert.True(status.ExitCode == 0, status.ToString());

        // The init node's machine form: the provider's lines under cloud, the whole validated against the schema.
        var json = sandbox.CocoonNet(["status", "-o", "json"], emulator.Environment());
        Assert.True(json.ExitCode == 0, json.ToString());
        Schemas.AssertValid(Schemas.Status, json.Stdout);
        var report = JsonNode.Parse(json.Stdout)!;
        Assert.Equal("init", (string)report["node"]!["mode"]!);
        Assert.True((bool)report["cloud"]!["available"]!);
        Assert.Equal("volcengine", (string)report["cloud"]!["provider"]!);
        Assert.Contains(report["cloud"]!["fields"]!.AsArray(), f => (string)f!["label"]! == "Drift" && (string)f["value"]! == "none");

        var dryRun = sandbox.CocoonNet(["teardown", "--dry-run"], emulator.Environment());
        Assert.True(dryRun.ExitCode == 0, dryRun.ToString());
        Assert.Contains($"- delete ENI {eniIds[0]}", dryRun.Stdout);
        Assert.Equal(inventory.ToString(), emulator.InventoryJson().ToString());

        var teardown = sandbox.CocoonNet(["teardown"], emulator.Environment());
        Assert.True(teardown.ExitCode == 0, teardown.ToString());
        Assert.Contains("- delete subnet subnet-", teardown.Stdout);
        Assert.Equal(before, emulator.Inventory());
        Assert.DoesNotContain(sandbox.Links(sandbox.Node), l => links.Contains(l));
    }

    [PrivilegedFact]
    public void Thirty_percent_throttling_and_some_5xx_still_converge()
    {
        using var sandbox = new Sandbox();
        using var emulator = new VolcengineEmulator(sandbox, "--throttle-rate", "0.3", "--error-rate", "0.05", "--seed", "42");
        var before = emulator.Inventory();

        var init = sandbox.CocoonNet([.. Init[..^1], "60"], emulator.Environment());
        Assert.True(init.ExitCode == 0, init.ToString());
        Assert.Contains("cocoon-net init complete: 60 IPs provisioned", init.Stdout);
        Assert.Equal(3, emulator.Calls("CreateNetworkInterface"));
        Assert.Equal(1, emulator.Calls("CreateSubnet"));

        var teardown = sandbox.CocoonNet(["teardown"], emulator.Environment());
        Assert.True(teardown.ExitCode == 0, teardown.ToString());
        Assert.Equal(before, emulator.Inventory());
    }

    [PrivilegedFact]
    public void A_crash_at_any_mutation_then_a_rerun_converges_with_no_leaked_eni()
    {
        using var sandbox = new Sandbox();
        using var emulator = new VolcengineEmulator(sandbox);
        var before = emulator.Inventory();

        // New ENIs get their IPs in the create call; AssignPrivateIpAddresses (top-ups only) is recomputed from
        // the ENI's live IP count on every run, so a crash there needs no bookkeeping to converge.
        foreach (var crash in new[] { "CreateSubnet:1", "CreateNetworkInterface:1", "AttachNetworkInterface:2" })
        {
            var clock = Stopwatch.StartNew();
            CrashAt(sandbox, emulator, crash, Init);
            output.WriteLine($"{crash}: crashed after {clock.ElapsedMilliseconds} ms");
            var rerun = sandbox.CocoonNet(Init, emulator.Environment());
            Assert.True(rerun.ExitCode == 0, $"re-run after a crash at {crash}: {rerun}");
            Assert.Contains("40 IPs provisioned", rerun.Stdout);
            var enis = emulator.InventoryJson().GetProperty("Enis").EnumerateArray()
                .Where(e => e.GetProperty("Tags").EnumerateArray().Any(t => t.GetString() == "cocoon-net:node=vol1")).ToList();
            Assert.True(enis.Count == 2, $"after a crash at {crash}: {enis.Count} ENIs of the node exist: {emulator.Inventory()}");
            Assert.All(enis, e => Assert.Equal("InUse", e.GetProperty("Status").GetString()));

            output.WriteLine($"{crash}: re-run done after {clock.ElapsedMilliseconds} ms");
            var teardown = sandbox.CocoonNet(["teardown"], emulator.Environment());
            Assert.True(teardown.ExitCode == 0, $"teardown after a crash at {crash}: {teardown}");
            output.WriteLine($"{crash}: teardown done after {clock.ElapsedMilliseconds} ms");
            Assert.True(before == emulator.Inventory(), $"after a crash at {crash}, teardown left: {emulator.Inventory()}");
        }

        // A crash during teardown: the state is still there, a second teardown finishes the job.
        Assert.Equal(0, sandbox.CocoonNet(Init, emulator.Environment()).ExitCode);
        CrashAt(sandbox, emulator, "DeleteNetworkInterface:1", ["teardown"]);
        var again = sandbox.CocoonNet(["teardown"], emulator.Environment());
        Assert.True(again.ExitCode == 0, again.ToString());
        Assert.Equal(before, emulator.Inventory());
    }

    [PrivilegedFact]
    public void A_bad_secret_fails_with_the_clouds_code_and_a_hint_and_changes_nothing()
    {
        using var sandbox = new Sandbox();
        using var emulator = new VolcengineEmulator(sandbox);
        var before = emulator.Inventory();
        var result = sandbox.CocoonNet(Init, emulator.Environment(secretKey: "wrong-secret-value"));
        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("SignatureDoesNotMatch", result.Stderr);
        Assert.Contains("check VOLCENGINE_SECRET_KEY", result.Stderr);
        Assert.DoesNotContain("wrong-secret-value", result.Stdout + result.Stderr);
        Assert.Equal(before, emulator.Inventory());
        Assert.DoesNotContain("cni0", sandbox.Links(sandbox.Node));
    }

    [PrivilegedFact]
    public void Dry_run_plans_the_cloud_changes_and_makes_none()
    {
        using var sandbox = new Sandbox();
        using var emulator = new VolcengineEmulator(sandbox);
        var before = emulator.Inventory();
        var result = sandbox.CocoonNet([.. Init, "--dry-run"], emulator.Environment());
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("cloud     + create subnet vol1-vms (172.20.0.0/24) in vpc-emu00000001, zone cn-beijing-a", result.Stdout);
        Assert.Contains("+ create ENI vol1-eni-2 with 20 secondary IP(s) in subnet vol1-vms", result.Stdout);
        Assert.Equal(before, emulator.Inventory());
        Assert.Empty(emulator.Calls());
    }

    [PrivilegedFact]
    public void The_dry_run_header_does_not_claim_addresses_the_cloud_has_not_assigned()
    {
        using var sandbox = new Sandbox();
        using var emulator = new VolcengineEmulator(sandbox);
        // Volcengine assigns the secondary IPs itself: a dry run cannot list them.
        var result = sandbox.CocoonNet([.. Init[..^1], "60", "--dry-run"], emulator.Environment());
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("\n  pool-size:  60 requested (the cloud assigns the addresses when it runs)\n", result.Stdout);
        Assert.Empty(emulator.Calls());
    }

    /// <summary>
    /// Runs cocoon-net until the emulator has applied the <c>N</c>th next call of an action (<c>Action:N</c>) and
    /// holds its answer back, then kills it: the cloud changed, the client never learned how.
    /// </summary>
    private static void CrashAt(Sandbox sandbox, VolcengineEmulator emulator, string crash, string[] arguments)
    {
        var (action, nth) = (crash.Split(':')[0], int.Parse(crash.Split(':')[1], System.Globalization.CultureInfo.InvariantCulture));
        var hold = $"{action}:{emulator.Calls(action) + nth}";
        emulator.SetFaults($$"""{"holdAfter":"{{hold}}"}""");
        var info = new ProcessStartInfo("ip") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in (string[])["netns", "exec", sandbox.Node, TestEnvironment.Binary, .. arguments])
        {
            info.ArgumentList.Add(argument);
        }

        info.Environment["COCOON_NET_ROOT"] = sandbox.Root;
        info.Environment["COCOON_NET_PLUGINS_DIR"] = sandbox.PluginsDirectory;
        foreach (var (key, value) in emulator.Environment())
        {
            info.Environment[key] = value;
        }

        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (emulator.Held() != hold)
        {
            if (process.HasExited)
            {
                Assert.Fail($"cocoon-net finished before reaching {hold}: exit {process.ExitCode}\n{stdout.Result}\n{stderr.Result}");
            }

            Assert.True(DateTime.UtcNow < deadline, $"cocoon-net never reached {hold}");
            Thread.Sleep(50);
        }

        process.Kill(entireProcessTree: true);
        process.WaitForExit();
        emulator.SetFaults("""{"holdAfter":""}""");
    }
}

[CollectionDefinition(Name)]
public sealed class VolcengineCollection
{
    public const string Name = "volcengine namespaces";
}
