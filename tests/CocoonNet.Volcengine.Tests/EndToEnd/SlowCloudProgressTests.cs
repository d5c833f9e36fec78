using CocoonNet.Tests.Support;

namespace CocoonNet.Volcengine.Tests.EndToEnd;

/// <summary>A slow cloud is not a silent run: while ENIs take seconds to attach, init says what it waits for.</summary>
[Collection(VolcengineCollection.Name)]
public sealed class SlowCloudProgressTests
{
    [PrivilegedFact]
    public void Init_with_slow_attaches_reports_progress_on_stderr_and_keeps_stdout_clean()
    {
        using var sandbox = new Sandbox();
        using var emulator = new VolcengineEmulator(sandbox, "--eni-attach-ms", "6500");
        var environment = emulator.Environment();
        environment["COCOON_NET_LOG_LEVEL"] = "info";

        var init = sandbox.CocoonNet(["init", "--platform", "volcengine", "--node-name", "vol1", "--subnet", "172.20.0.0/24", "--pool-size", "40"], environment);

        Assert.True(init.ExitCode == 0, init.ToString());
        var progress = init.Stderr.Split('\n').Where(l => l.Contains(" INF [volcengine] waiting for 2 ENI(s) to reach ", StringComparison.Ordinal)).ToList();
        Assert.True(progress.Count >= 1, init.ToString());
        Assert.All(progress, line => Assert.Matches(@"to reach \S.*: [0-2]/2 done \(\d+ s\)$", line));
        Assert.DoesNotContain("waiting for", init.Stdout);
    }
}
