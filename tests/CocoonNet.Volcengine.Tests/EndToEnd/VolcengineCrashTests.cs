using System.Diagnostics;
using CocoonNet.Tests.Support;
using Xunit.Abstractions;

namespace CocoonNet.Volcengine.Tests.EndToEnd;

/// <summary>
/// Init killed (test-only crash hook) at every mutation boundary it reaches against the emulator: cloud
/// checkpoints, pool.json saves and every host change. Each time a re-run converges, a third run changes
/// nothing, and one teardown restores the cloud and leaves a clean node.
/// </summary>
[Collection(VolcengineCollection.Name)]
public sealed class VolcengineCrashTests(ITestOutputHelper output)
{
    private static readonly string[] Init = ["init", "--platform", "volcengine", "--node-name", "vol1", "--subnet", "172.20.0.0/24", "--pool-size", "40"];

    [PrivilegedFact]
    public void A_kill_at_any_boundary_of_init_converges_and_tears_down_to_a_clean_node_and_cloud()
    {
        using var sandbox = new Sandbox();
        using var emulator = new VolcengineEmulator(sandbox);
        var env = emulator.Environment();
        var before = emulator.Inventory();
        // Sysctls stay after teardown (host-wide): boundaries are enumerated from the steady state that
        // every trial below starts from (the adopt crash test covers the sysctl ones on a fresh node).
        Assert.Equal(0, sandbox.CocoonNet(Init, env).ExitCode);
        Assert.Equal(0, sandbox.CocoonNet(["teardown"], env).ExitCode);
        var boundaries = NodeChecks.Boundaries(sandbox, Init, env);
        Assert.Contains(boundaries, b => b.StartsWith("cloud-checkpoint/", StringComparison.Ordinal));
        Assert.Equal(0, sandbox.CocoonNet(["teardown"], env).ExitCode);
        Assert.Equal(before, emulator.Inventory());
        var left = NodeChecks.Baseline(sandbox);

        var watch = Stopwatch.StartNew();
        foreach (var boundary in boundaries)
        {
            NodeChecks.KillRerunTeardown(sandbox, Init, boundary, env);
            Assert.True(before == emulator.Inventory(), $"{boundary}: cloud left: {emulator.Inventory()}");
            NodeChecks.AssertClean(sandbox, boundary, left);
        }

        output.WriteLine($"{boundaries.Count} init crash points in {watch.Elapsed.TotalSeconds:F1} s");
    }
}
