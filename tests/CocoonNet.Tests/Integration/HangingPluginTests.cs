using System.Diagnostics;
using CocoonNet.Host.Plugins;
using CocoonNet.Tests.Support;

namespace CocoonNet.Tests.Integration;

/// <summary>
/// A plugin that never returns from its entry point's constructor or from ConfigureServices (builds of
/// tests/SamplePlugin made by make test-plugins) costs a command the deadline, is reported, and leaves
/// every command that does not need it working; the process still exits although the plugin's thread
/// never does.
/// </summary>
[Collection(NamespaceCollection.Name)]
public sealed class HangingPluginTests
{
    private static readonly Dictionary<string, string> ShortDeadline = new() { [PluginDeadline.Variable] = "1000" };
    private static readonly string[] Adopt = ["adopt", "--node-name", "sandbox", "--subnet", "172.20.0.0/24"];

    [PrivilegedFact]
    public void A_constructor_that_never_returns_is_reported_and_status_plugins_adopt_and_teardown_still_finish()
    {
        using var sandbox = new Sandbox();
        sandbox.PluginsDirectory = PluginFolders.Create(sandbox.Root, "adopt", "acme-hangs");

        var list = Timed(sandbox, ["plugins"]);
        Assert.True(list.ExitCode == 0, list.ToString());
        Assert.Matches(@"\nacme-hangs\s+-\s+\S+\s+-\s+skipped: did not load within 1 s: its entry point \(or a read of its files\) never returned\n", list.Stdout);
        Assert.Matches(@"\nadopt\s+\S+\s+\S+\s+generic\s+loaded\n", list.Stdout);

        var adopt = Timed(sandbox, Adopt);
        Assert.True(adopt.ExitCode == 0, adopt.ToString());
        Assert.Contains("plugin " + Path.Combine(sandbox.PluginsDirectory, "acme-hangs") + ": did not load within 1 s", adopt.Stderr);

        var status = Timed(sandbox, ["status"]);
        Assert.True(status.ExitCode == 0, status.ToString());
        var teardown = Timed(sandbox, ["teardown"]);
        Assert.True(teardown.ExitCode == 0, teardown.ToString());
        Assert.DoesNotContain("cni0", sandbox.Links(sandbox.Node));
    }

    [PrivilegedFact]
    public void Configure_services_that_never_returns_fails_only_the_commands_that_need_that_plugin()
    {
        using var sandbox = new Sandbox();
        sandbox.PluginsDirectory = PluginFolders.Create(sandbox.Root, "adopt", "acme-hangs-services");

        var init = Timed(sandbox, ["init", "--platform", "acme", "--node-name", "acme-node", "--subnet", "10.77.0.0/24", "--dry-run"]);
        Assert.NotEqual(0, init.ExitCode);
        Assert.Contains("plugin acme did not register its services within 1 s", init.Stderr);

        // Cloud detection asks every plugin: the hung one is left out, adopt goes on as generic.
        var adopt = Timed(sandbox, Adopt);
        Assert.True(adopt.ExitCode == 0, adopt.ToString());
        Assert.Contains("plugin acme did not register its services within 1 s", adopt.Stderr);
        Assert.True(Timed(sandbox, ["status"]).ExitCode == 0);
        Assert.True(Timed(sandbox, ["teardown"]).ExitCode == 0);
    }

    /// <summary>The command, which must exit well before the 10 s default deadline would have passed.</summary>
    private static CommandResult Timed(Sandbox sandbox, string[] arguments)
    {
        var started = Stopwatch.GetTimestamp();
        var result = sandbox.CocoonNet(arguments, ShortDeadline);
        var elapsed = Stopwatch.GetElapsedTime(started);
        Assert.True(elapsed < TimeSpan.FromSeconds(8), $"cocoon-net {string.Join(' ', arguments)} took {elapsed.TotalSeconds:0.0} s\n{result}");
        return result;
    }
}
