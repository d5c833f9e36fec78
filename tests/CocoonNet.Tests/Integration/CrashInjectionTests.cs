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
    private const int Killed = 128 + 9;
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
            var crashed = sandbox.CocoonNet(Adopt, CrashAt(boundary));
            Assert.True(crashed.ExitCode == Killed, $"{boundary}: {crashed}");

            var rerun = sandbox.CocoonNet(Adopt);
            Assert.True(rerun.ExitCode == 0, $"{boundary}: re-run {rerun}");
            var again = sandbox.CocoonNet(Adopt);
            Assert.True(again.ExitCode == 0 && again.Stdout.StartsWith("no changes: the host already matches", StringComparison.Ordinal), $"{boundary}: third run {again}");

            var teardown = sandbox.CocoonNet("teardown");
            Assert.True(teardown.ExitCode == 0, $"{boundary}: teardown {teardown}");
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

    /// <summary>
    /// The boundary names a clean run reaches: <paramref name="prepare"/> readies a sandbox and returns the
    /// command lines whose boundaries count (the last one's log only).
    /// </summary>
    private static List<string> Boundaries(Func<Sandbox, string[][]> prepare)
    {
        using var sandbox = new Sandbox();
        var runs = prepare(sandbox);
        var logFile = Path.Combine(Path.GetTempPath(), $"cocoon-net-crash-{Guid.NewGuid():N}.log");
        try
        {
            var result = sandbox.CocoonNet(runs[^1], new Dictionary<string, string> { ["COCOON_NET_TEST_CRASH_LOG"] = logFile });
            Assert.True(result.ExitCode == 0, result.ToString());
            var names = File.ReadAllLines(logFile).ToList();
            Assert.Equal(names.Count, names.Distinct().Count());
            return names;
        }
        finally
        {
            File.Delete(logFile);
        }
    }

    private static Dictionary<string, string> CrashAt(string boundary) => new() { ["COCOON_NET_TEST_CRASH_AT"] = boundary };

    /// <summary>No cni0, routes, chains, dnsmasq or pool.json; nothing under the root but the state dir's lock.</summary>
    internal static void AssertClean(Sandbox sandbox, string context)
    {
        Assert.True(!sandbox.Links(sandbox.Node).Contains("cni0"), $"{context}: cni0 left");
        Assert.True(sandbox.RoutesWithProtocol("204").Count == 0, $"{context}: routes left");
        var rules = sandbox.IptablesSave();
        Assert.True(!rules.Contains("COCOON", StringComparison.Ordinal), $"{context}: rules left: {rules}");
        Assert.True(sandbox.DnsmasqPid() is null, $"{context}: dnsmasq still running");
        var lockFile = Path.Combine(sandbox.StateDirectory, ".lock");
        var stateAncestors = new List<string>();
        for (var d = sandbox.StateDirectory; d.Length > sandbox.Root.Length; d = Path.GetDirectoryName(d)!)
        {
            stateAncestors.Add(d);
        }

        var left = Directory.EnumerateFileSystemEntries(sandbox.Root, "*", SearchOption.AllDirectories)
            .Where(e => e != lockFile && !stateAncestors.Contains(e))
            .ToList();
        Assert.True(left.Count == 0, $"{context}: left behind: {string.Join(", ", left)}");
    }
}
