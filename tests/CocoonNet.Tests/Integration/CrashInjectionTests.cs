using System.Diagnostics;
using CocoonNet.Tests.Support;
using Xunit.Abstractions;

namespace CocoonNet.Tests.Integration;

/// <summary>
/// Write-ahead ownership, proven by killing cocoon-net (SIGKILL through its test-only crash hook) at every
/// mutation boundary of a run: whatever instant it dies, a re-run converges and one teardown leaves a
/// clean node. The boundaries are enumerated from a clean run, so new ones are covered automatically.
/// </summary>
[Collection(NamespaceCollection.Name)]
public sealed class CrashInjectionTests(ITestOutputHelper log)
{
    private const int Killed = NodeChecks.Killed;
    private static readonly string[] Adopt = ["adopt", "--node-name", "sandbox", "--subnet", "172.20.0.0/24", "--pool-size", "253", "--manage-iptables"];

    [PrivilegedFact]
    public void A_kill_at_any_boundary_of_adopt_converges_on_rerun_and_tears_down_clean()
    {
        var boundaries = Boundaries(_ => [Adopt]);
        Assert.Contains("iptables/1/after", boundaries);
        Assert.Contains("dhcp/3/after", boundaries);
        var watch = Stopwatch.StartNew();
        foreach (var boundary in boundaries)
        {
            using var sandbox = new Sandbox();
            NodeChecks.KillRerunTeardown(sandbox, Adopt, boundary);
            AssertClean(sandbox, boundary);
        }

        log.WriteLine($"{boundaries.Count} adopt crash points in {watch.Elapsed.TotalSeconds:F1} s");
    }

    [PrivilegedFact]
    public void A_kill_at_any_boundary_of_teardown_is_finished_by_the_next_teardown()
    {
        var boundaries = Boundaries(sandbox =>
        {
            Assert.Equal(0, sandbox.CocoonNet(Adopt).ExitCode);
            return [["teardown"]];
        });
        Assert.Contains("dirs/1/after", boundaries);
        Assert.Contains("state-delete/1/before", boundaries);
        var watch = Stopwatch.StartNew();
        foreach (var boundary in boundaries)
        {
            using var sandbox = new Sandbox();
            Assert.Equal(0, sandbox.CocoonNet(Adopt).ExitCode);
            var crashed = sandbox.CocoonNet(["teardown"], CrashAt(boundary));
            Assert.True(crashed.ExitCode == Killed, $"{boundary}: {crashed}");

            var teardown = sandbox.CocoonNet("teardown");
            Assert.True(teardown.ExitCode == 0, $"{boundary}: second teardown {teardown}");
            AssertClean(sandbox, boundary);
        }

        log.WriteLine($"{boundaries.Count} teardown crash points in {watch.Elapsed.TotalSeconds:F1} s");
    }

    private static List<string> Boundaries(Func<Sandbox, string[][]> prepare)
    {
        using var sandbox = new Sandbox();
        var runs = prepare(sandbox);
        return NodeChecks.Boundaries(sandbox, runs[^1]);
    }

    private static Dictionary<string, string> CrashAt(string boundary) => NodeChecks.CrashAt(boundary);

    private static void AssertClean(Sandbox sandbox, string context) => NodeChecks.AssertClean(sandbox, context);
}
