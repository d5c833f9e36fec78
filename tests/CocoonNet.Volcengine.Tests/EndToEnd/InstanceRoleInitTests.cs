using System.Diagnostics;
using System.Text.Json;
using CocoonNet.Tests.Support;

namespace CocoonNet.Volcengine.Tests.EndToEnd;

/// <summary>
/// A node with token-required metadata and an IAM role, no keys in the environment
/// or a file (source: volcengine/volcengine-go-sdk <c>volcengine/credentials/ecs_role_provider.go</c>), converges
/// to 7 ENIs × 20 IPs with STS keys that expire during the run, re-runs without a mutation, says where its credentials
/// come from without a secret, and tears down through the DeleteSubnet window leaving nothing of ours.
/// </summary>
[Collection(VolcengineCollection.Name)]
public sealed class InstanceRoleInitTests
{
    private const int StsTtlSeconds = 3;
    private static readonly string[] Init = ["init", "--node-name", "vol1", "--subnet", "172.20.0.0/24", "--pool-size", "140"];
    private static readonly string[] Secrets = ["stssecret-", "ststoken-", VolcengineEmulator.SecretKey];

    [PrivilegedFact]
    public void A_role_only_token_required_node_converges_reruns_without_mutation_and_tears_down_to_nothing()
    {
        using var sandbox = new Sandbox();
        // Attaches take 3 s, so every run outlives the 3 s keys; teardown meets the 6 s DeleteSubnet window on top.
        using var emulator = new VolcengineEmulator(sandbox, "--metadata-tokens", "required", "--instance-role", "cocoon-node",
            "--sts-ttl-seconds", StsTtlSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--subnet-dependency-ms", "6000", "--eni-attach-ms", "3000");
        var before = emulator.Inventory();
        var environment = RoleOnly(emulator);

        var clock = Stopwatch.StartNew();
        var init = sandbox.CocoonNet(Init, environment);
        clock.Stop();
        Assert.True(init.ExitCode == 0, init.ToString());
        Assert.Contains("cocoon-net init complete: 140 IPs provisioned on 172.20.0.0/24 (volcengine)", init.Stdout);
        Assert.Equal(7, emulator.Calls("CreateNetworkInterface"));
        var enis = emulator.InventoryJson().GetProperty("Enis").EnumerateArray()
            .Where(e => e.GetProperty("Status").GetString() == "InUse" && e.GetProperty("SecondaryIps").GetArrayLength() == 20).Count();
        Assert.Equal(7, enis);
        // The run lasted longer than one key pair lives: it read fresh keys before the old ones expired.
        Assert.True(clock.Elapsed > TimeSpan.FromSeconds(StsTtlSeconds), $"init took only {clock.Elapsed}");
        Assert.True(StsIssued(emulator) >= 2, $"keys read {StsIssued(emulator)} time(s) in a {clock.Elapsed} run");
        Assert.Contains("credentials: instance role cocoon-node (expires ", init.Stderr);
        AssertNoSecret(init);

        var calls = emulator.Calls();
        var rerun = sandbox.CocoonNet([.. Init[..1], "--platform", "volcengine", .. Init[1..]], environment);
        Assert.True(rerun.ExitCode == 0, rerun.ToString());
        Assert.StartsWith("no changes", rerun.Stdout);
        Assert.Equal(calls, emulator.Calls());
        AssertNoSecret(rerun);

        var status = sandbox.CocoonNet(["status"], environment);
        Assert.True(status.ExitCode == 0, status.ToString());
        Assert.Contains("Credentials: instance role cocoon-node (expires ", status.Stdout);
        AssertNoSecret(status);

        // --verbose: the source in a log line; without it (info level) no such line.
        var quiet = sandbox.CocoonNet(["status"], With(environment, ("COCOON_NET_LOG_LEVEL", "info")));
        Assert.DoesNotContain("credentials: instance role", quiet.Stderr);
        var verbose = sandbox.CocoonNet(["status", "--verbose"], With(environment, ("COCOON_NET_LOG_LEVEL", "info")));
        Assert.True(verbose.ExitCode == 0, verbose.ToString());
        Assert.Contains("credentials: instance role cocoon-node (expires ", verbose.Stderr);
        AssertNoSecret(verbose);

        var teardown = sandbox.CocoonNet(["teardown"], environment);
        Assert.True(teardown.ExitCode == 0, teardown.ToString());
        Assert.Contains("- delete subnet subnet-", teardown.Stdout);
        AssertNoSecret(teardown);
        Assert.Equal(before, emulator.Inventory());
        Assert.DoesNotContain("cni0", sandbox.Links(sandbox.Node));
        Assert.False(File.Exists(Path.Combine(sandbox.StateDirectory, "pool.json")));
        Assert.DoesNotContain("cni0", sandbox.IptablesSave(), StringComparison.Ordinal);
    }

    [PrivilegedFact]
    public void A_node_without_keys_or_role_says_what_to_do_and_changes_nothing()
    {
        using var sandbox = new Sandbox();
        using var emulator = new VolcengineEmulator(sandbox, "--metadata-tokens", "required");
        var before = emulator.Inventory();

        var init = sandbox.CocoonNet([.. Init[..1], "--platform", "volcengine", .. Init[1..]], RoleOnly(emulator));
        Assert.True(init.ExitCode != 0, init.ToString());
        Assert.Contains("this instance has no IAM role: attach a role to the instance", init.Stderr);
        Assert.Equal(before, emulator.Inventory());
        Assert.False(File.Exists(Path.Combine(sandbox.StateDirectory, "pool.json")));
    }

    private static Dictionary<string, string> RoleOnly(VolcengineEmulator emulator)
    {
        var environment = emulator.Environment();
        environment.Remove("VOLCENGINE_ACCESS_KEY");
        environment.Remove("VOLCENGINE_SECRET_KEY");
        return environment;
    }

    private static Dictionary<string, string> With(Dictionary<string, string> environment, params (string Key, string Value)[] overrides)
    {
        var copy = new Dictionary<string, string>(environment);
        foreach (var (key, value) in overrides)
        {
            copy[key] = value;
        }

        return copy;
    }

    private static int StsIssued(VolcengineEmulator emulator) =>
        JsonDocument.Parse(emulator.Get("_emulator/sts")).RootElement.GetProperty("Issued").GetInt32();

    private static void AssertNoSecret(CommandResult result)
    {
        foreach (var secret in Secrets)
        {
            Assert.DoesNotContain(secret, result.Stdout + result.Stderr, StringComparison.Ordinal);
        }
    }
}
