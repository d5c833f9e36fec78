using CocoonNet.Tests.Support;

namespace CocoonNet.Volcengine.Tests.EndToEnd;

/// <summary>
/// A first init that cannot reach the cloud with its credentials leaves nothing behind: no pool.json (so
/// adopt is not refused and teardown needs no credentials), no cloud mutation, no host change.
/// </summary>
[Collection(VolcengineCollection.Name)]
public sealed class BadCredentialsTests
{
    private static readonly string[] Init = ["init", "--platform", "volcengine", "--node-name", "vol1", "--subnet", "172.20.0.0/24", "--pool-size", "40"];
    private static readonly string[] Mutations = ["Create", "Attach", "Assign", "Delete", "Detach", "Modify", "Unassign"];

    [PrivilegedFact]
    public void Init_with_bad_credentials_leaves_no_state_then_adopt_and_teardown_work()
    {
        using var sandbox = new Sandbox();
        using var emulator = new VolcengineEmulator(sandbox);
        var before = emulator.Inventory();
        var pool = Path.Combine(sandbox.StateDirectory, "pool.json");
        var malformed = Path.Combine(sandbox.Root, "volcengine-config.json");
        File.WriteAllText(malformed, "{\"access_key_id\": \"AK\", \"secret_access_key\": ");

        var cases = new Dictionary<string, Dictionary<string, string>>
        {
            ["wrong secret"] = emulator.Environment(secretKey: "wrong-secret-value"),
            ["missing secret"] = With(emulator.Environment(), ("VOLCENGINE_SECRET_KEY", "")),
            ["malformed config file"] = With(emulator.Environment(),
                ("VOLCENGINE_ACCESS_KEY", ""), ("VOLCENGINE_SECRET_KEY", ""), ("VOLCENGINE_CLI_CONFIG_FILE", malformed)),
        };
        foreach (var (name, environment) in cases)
        {
            var result = sandbox.CocoonNet(Init, environment);
            Assert.True(result.ExitCode == 1, $"{name}: {result}");
            Assert.False(File.Exists(pool), $"{name}: a failed first init left {pool}: {(File.Exists(pool) ? File.ReadAllText(pool) : "")}");
            Assert.DoesNotContain(emulator.Calls(), c => Mutations.Any(m => c.Key.StartsWith(m, StringComparison.Ordinal)) && c.Value > 0);
            Assert.DoesNotContain("cni0", sandbox.Links(sandbox.Node));

            // Nothing to undo, and no credentials needed to find that out.
            var teardown = sandbox.CocoonNet(["teardown"], new Dictionary<string, string> { ["HOME"] = sandbox.Root });
            Assert.True(teardown.ExitCode == 0, $"{name}: {teardown}");
        }

        Assert.Equal(before, emulator.Inventory());
        var adopt = sandbox.CocoonNet(["adopt", "--platform", "generic", "--node-name", "vol1", "--subnet", "172.20.0.0/24", "--pool-size", "20"]);
        Assert.True(adopt.ExitCode == 0, adopt.ToString());
        var done = sandbox.CocoonNet(["teardown"], new Dictionary<string, string> { ["HOME"] = sandbox.Root });
        Assert.True(done.ExitCode == 0, done.ToString());
        Assert.False(File.Exists(pool));
        Assert.Equal(before, emulator.Inventory());
    }

    private static Dictionary<string, string> With(Dictionary<string, string> environment, params (string Key, string Value)[] overrides)
    {
        foreach (var (key, value) in overrides)
        {
            environment[key] = value;
        }

        return environment;
    }
}
