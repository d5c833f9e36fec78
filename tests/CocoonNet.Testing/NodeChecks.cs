namespace CocoonNet.Tests.Support;

/// <summary>What a node looks like once cocoon-net is gone, and how to kill a run at a boundary.</summary>
internal static class NodeChecks
{
    public const int Killed = 128 + 9;

    public static Dictionary<string, string> CrashAt(string boundary, IReadOnlyDictionary<string, string>? environment = null) =>
        new(environment ?? new Dictionary<string, string>()) { ["COCOON_NET_TEST_CRASH_AT"] = boundary };

    /// <summary>The boundary names (test-only crash hook) that <paramref name="arguments"/> reaches in a clean run.</summary>
    public static List<string> Boundaries(Sandbox sandbox, string[] arguments, IReadOnlyDictionary<string, string>? environment = null)
    {
        var logFile = Path.Combine(Path.GetTempPath(), $"cocoon-net-crash-{Guid.NewGuid():N}.log");
        try
        {
            var result = sandbox.CocoonNet(arguments, new Dictionary<string, string>(environment ?? new Dictionary<string, string>())
            {
                ["COCOON_NET_TEST_CRASH_LOG"] = logFile,
            });
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

    /// <summary>
    /// One crash trial: <paramref name="run"/> killed at <paramref name="boundary"/>, then a re-run converges,
    /// a further run changes nothing, and one teardown succeeds. The caller checks what is left.
    /// </summary>
    public static void KillRerunTeardown(Sandbox sandbox, string[] run, string boundary, IReadOnlyDictionary<string, string>? environment = null)
    {
        var env = new Dictionary<string, string>(environment ?? new Dictionary<string, string>());
        var crashed = sandbox.CocoonNet(run, CrashAt(boundary, env));
        Assert.True(crashed.ExitCode == Killed, $"{boundary}: {crashed}");
        var rerun = sandbox.CocoonNet(run, env);
        Assert.True(rerun.ExitCode == 0, $"{boundary}: re-run {rerun}");
        var again = sandbox.CocoonNet(run, env);
        Assert.True(again.ExitCode == 0 && again.Stdout.StartsWith("no changes: the host already matches", StringComparison.Ordinal),
            $"{boundary}: third run {again}");
        var teardown = sandbox.CocoonNet(["teardown"], env);
        Assert.True(teardown.ExitCode == 0, $"{boundary}: teardown {teardown}");
    }

    /// <summary>
    /// What is under the root besides the state dir (plugin copies a test made, directories a plugin made),
    /// relative to the root: taken after a clean run and teardown, it is what <see cref="AssertClean"/> allows.
    /// </summary>
    public static string[] Baseline(Sandbox sandbox) =>
        Directory.EnumerateFileSystemEntries(sandbox.Root, "*", SearchOption.AllDirectories)
            .Where(f => !f.StartsWith(sandbox.StateDirectory, StringComparison.Ordinal))
            .Select(f => "/" + Path.GetRelativePath(sandbox.Root, f))
            .ToArray();

    /// <summary>
    /// No cni0, proto-204 routes, COCOON chains, dnsmasq or pool.json; nothing under the root but the
    /// state dir's lock and <paramref name="alsoAllowed"/> (paths relative to the root).
    /// </summary>
    public static void AssertClean(Sandbox sandbox, string context, params string[] alsoAllowed)
    {
        Assert.True(!sandbox.Links(sandbox.Node).Contains("cni0"), $"{context}: cni0 left");
        Assert.True(sandbox.RoutesWithProtocol("204").Count == 0, $"{context}: routes left");
        var rules = sandbox.IptablesSave();
        Assert.True(!rules.Contains("COCOON", StringComparison.Ordinal), $"{context}: rules left: {rules}");
        Assert.True(sandbox.DnsmasqPid() is null, $"{context}: dnsmasq still running");
        var allowed = new HashSet<string>(StringComparer.Ordinal) { Path.Combine(sandbox.StateDirectory, ".lock") };
        foreach (var path in alsoAllowed.Select(sandbox.PathOf).Append(sandbox.StateDirectory))
        {
            for (var d = path; d.Length > sandbox.Root.Length; d = Path.GetDirectoryName(d)!)
            {
                allowed.Add(d);
            }
        }

        var left = Directory.EnumerateFileSystemEntries(sandbox.Root, "*", SearchOption.AllDirectories)
            .Where(e => !allowed.Contains(e))
            .ToList();
        Assert.True(left.Count == 0, $"{context}: left behind: {string.Join(", ", left)}");
    }
}
