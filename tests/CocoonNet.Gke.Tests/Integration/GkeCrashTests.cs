using System.Diagnostics;
using CocoonNet.Gke.Tests.Support;
using CocoonNet.Tests.Support;
using Xunit.Abstractions;

namespace CocoonNet.Gke.Tests.Integration;

/// <summary>
/// Init killed (test-only crash hook) at every mutation boundary it reaches against the GCE emulator:
/// each time a re-run converges, a third run changes nothing, and one teardown restores the instance's
/// aliases and leaves a clean node.
/// </summary>
[Collection(GkeNamespaceCollection.Name)]
public sealed class GkeCrashTests(ITestOutputHelper output)
{
    private static readonly string[] Init = ["init", "--node-name", "vm-node", "--subnet", "172.20.1.0/24", "--pool-size", "20"];

    [PrivilegedFact]
    public void A_kill_at_any_boundary_of_init_converges_and_tears_down_to_a_clean_node()
    {
        using var sandbox = new Sandbox();
        using var gce = new GceEmulatorProcess(sandbox);
        var env = GceEmulatorProcess.Environment(sandbox);
        var instancesBefore = gce.Instances();
        // The first init also creates the shared secondary range, which stays for other nodes, and sysctls stay
        // too: boundaries are enumerated from the steady state that every trial below starts from.
        Assert.Equal(0, sandbox.CocoonNet(Init, env).ExitCode);
        Assert.Equal(0, sandbox.CocoonNet(["teardown"], env).ExitCode);
        var boundaries = NodeChecks.Boundaries(sandbox, Init, env);
        Assert.Contains(boundaries, b => b.StartsWith("cloud-checkpoint/", StringComparison.Ordinal));
        Assert.Equal(0, sandbox.CocoonNet(["teardown"], env).ExitCode);
        var left = NodeChecks.Baseline(sandbox);

        var watch = Stopwatch.StartNew();
        foreach (var boundary in boundaries)
        {
            NodeChecks.KillRerunTeardown(sandbox, Init, boundary, env);
            Assert.True(instancesBefore == gce.Instances(), $"{boundary}: instance left as {gce.Instances()}");
            NodeChecks.AssertClean(sandbox, boundary, left);
        }

        output.WriteLine($"{boundaries.Count} init crash points in {watch.Elapsed.TotalSeconds:F1} s");
    }
}
