using CocoonNet.Tests.Support;

namespace CocoonNet.Tests.Integration;

/// <summary>-v and -q set the log level for one run and win over COCOON_NET_LOG_LEVEL; results stay on stdout.</summary>
[Collection(NamespaceCollection.Name)]
public sealed class LogLevelFlagsTests
{
    private static readonly string[] Plan = ["adopt", "--node-name", "sandbox", "--subnet", "172.20.0.0/24", "--dry-run"];

    [PrivilegedFact]
    public void Quiet_leaves_only_errors_and_verbose_adds_debug_whatever_the_variable_says()
    {
        using var sandbox = new Sandbox();

        var quiet = sandbox.CocoonNet([.. Plan, "-q"], new Dictionary<string, string> { ["COCOON_NET_LOG_LEVEL"] = "debug" });
        Assert.True(quiet.ExitCode == 0, quiet.ToString());
        Assert.Equal("", quiet.Stderr);
        Assert.Contains("plan:", quiet.Stdout);

        var verbose = sandbox.CocoonNet(["--verbose", .. Plan], new Dictionary<string, string> { ["COCOON_NET_LOG_LEVEL"] = "error" });
        Assert.True(verbose.ExitCode == 0, verbose.ToString());
        Assert.Contains(" DBG ", verbose.Stderr);
        Assert.Equal(quiet.Stdout, verbose.Stdout);
    }
}
