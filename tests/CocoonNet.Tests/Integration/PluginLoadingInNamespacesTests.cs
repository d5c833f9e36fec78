using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using CocoonNet.Tests.Support;

namespace CocoonNet.Tests.Integration;

/// <summary>
/// A command loads only the plugins it uses, seen from outside: the built binary under strace (which plugin
/// files it opens) and its debug log. --version and status of an adopted node open no plugin file; a re-run
/// opens only the plugin pool.json names; a fresh adopt and a command line with a plugin's flag load them all.
/// </summary>
[Collection(NamespaceCollection.Name)]
public sealed partial class PluginLoadingInNamespacesTests
{
    private static readonly string[] Adopt = ["adopt", "--node-name", "sandbox", "--subnet", "172.20.0.0/24", "--manage-iptables"];

    [PrivilegedFact]
    public void Version_and_status_of_an_adopted_node_load_no_plugin_and_a_re_run_only_the_one_pool_json_names()
    {
        if (!File.Exists("/usr/bin/strace"))
        {
            Assert.False(TestEnvironment.IsCi, "strace is needed for this test under CI");
            return;
        }

        using var sandbox = new Sandbox();
        var installed = Directory.GetDirectories(sandbox.PluginsDirectory).Length;
        Assert.True(installed > 1, "the test needs more than one plugin installed");

        // Not traced: strace -f would wait for the dnsmasq the first adopt starts.
        var fresh = sandbox.CocoonNet(Adopt);
        Assert.True(fresh.ExitCode == 0, fresh.ToString());
        Assert.Contains($"plugins loaded: {installed} of {installed}", fresh.Stderr);

        var named = (string)JsonNode.Parse(File.ReadAllText(Path.Combine(sandbox.StateDirectory, "pool.json")))!["plugin"]!;
        var (rerun, rerunOpened) = Traced(sandbox, Adopt);
        Assert.True(rerun.ExitCode == 0, rerun.ToString());
        Assert.Contains("plugins loaded: 1 of 1", rerun.Stderr);
        Assert.Equal([named], rerunOpened);

        var (status, statusOpened) = Traced(sandbox, "status");
        Assert.True(status.ExitCode == 0, status.ToString());
        Assert.Contains("plugins not loaded: this command does not use them", status.Stderr);
        Assert.Empty(statusOpened);

        var (version, versionOpened) = Traced(sandbox, "--version");
        Assert.Equal((0, ""), (version.ExitCode, version.Stderr));
        Assert.StartsWith("cocoon-net version ", version.Stdout);
        Assert.Empty(versionOpened);

        // A flag no loaded plugin declares still needs every plugin to be refused as today: one line, exit 2.
        var (bad, badOpened) = Traced(sandbox, [.. Adopt, "--no-such-plugin-flag", "1"]);
        Assert.Equal(2, bad.ExitCode);
        Assert.Single(bad.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Equal(installed, badOpened.Count);
    }

    /// <summary>Runs cocoon-net in the node under strace; returns its result and the plugin folders whose assemblies it opened.</summary>
    private static (CommandResult Result, IReadOnlyList<string> Opened) Traced(Sandbox sandbox, params string[] arguments)
    {
        var trace = Path.Combine(sandbox.Root, $"trace-{Guid.NewGuid():N}");
        var environment = new Dictionary<string, string>
        {
            ["COCOON_NET_ROOT"] = sandbox.Root,
            ["COCOON_NET_PLUGINS_DIR"] = sandbox.PluginsDirectory,
            ["COCOON_NET_LOG_LEVEL"] = "debug",
        };
        var result = Shell.Run(
            "ip", ["netns", "exec", sandbox.Node, "/usr/bin/strace", "-f", "-qq", "-e", "trace=openat", "-o", trace, TestEnvironment.Binary, .. arguments],
            environment, TimeSpan.FromSeconds(90));
        var prefix = sandbox.PluginsDirectory.TrimEnd('/') + "/";
        var opened = File.ReadLines(trace)
            .Select(line => OpenedPath().Match(line))
            .Where(m => m.Success && m.Groups[1].Value.StartsWith(prefix, StringComparison.Ordinal) && m.Groups[1].Value.EndsWith(".dll", StringComparison.Ordinal))
            .Select(m => m.Groups[1].Value[prefix.Length..].Split('/')[0])
            .Distinct()
            .Order(StringComparer.Ordinal)
            .ToList();
        File.Delete(trace);
        return (result, opened);
    }

    [GeneratedRegex("""openat\([^,]+, "([^"]+)", .*\) = \d+""")]
    private static partial Regex OpenedPath();
}
