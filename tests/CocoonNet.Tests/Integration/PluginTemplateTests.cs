using System.Text.Json;
using System.Text.RegularExpressions;
using CocoonNet.Tests.Support;

namespace CocoonNet.Tests.Integration;

/// <summary>
/// The SDK end to end, as a third party uses it: a plugin created by `dotnet new cocoon-net-plugin` outside
/// the repository, built and tested against the CocoonNet.Abstractions package alone, dropped into a copy of
/// the plugins folder and run by the unchanged host inside network namespaces.
/// </summary>
[Collection(NamespaceCollection.Name)]
public sealed partial class PluginTemplateTests(TemplatePlugin plugin) : IClassFixture<TemplatePlugin>
{
    private const string Subnet = "10.78.0.0/24";

    [BuildFact]
    public void The_generated_plugin_builds_against_the_package_and_its_own_tests_pass()
    {
        Assert.True(plugin.Failure is null, plugin.Failure);
        Assert.False(plugin.WorkDirectory.StartsWith(TestEnvironment.RepositoryRoot, StringComparison.Ordinal));
        var summary = PassedSummary().Match(plugin.GeneratedTestOutput);
        Assert.True(summary.Success, plugin.GeneratedTestOutput);
        Assert.True(int.Parse(summary.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) >= 8, plugin.GeneratedTestOutput);

        // The contract came from out/packages (restored into the private folder), not from a cache.
        Assert.True(Directory.Exists(Path.Combine(plugin.RestoredPackages, "cocoonnet.abstractions", SdkPackages.Version)));
        var assets = File.ReadAllText(Path.Combine(plugin.ProjectDirectory, "src/ExampleCloud/obj/project.assets.json"));
        Assert.Contains($"\"CocoonNet.Abstractions/{SdkPackages.Version}\"", assets);

        // The folder to install holds the plugin and nothing the host provides.
        var files = Directory.GetFiles(Path.Combine(plugin.PublishDirectory, TemplatePlugin.Name)).Select(Path.GetFileName).ToList();
        Assert.Contains("ExampleCloud.dll", files);
        Assert.Contains("ExampleCloud.deps.json", files);
        Assert.DoesNotContain(files, f => f!.StartsWith("CocoonNet.", StringComparison.Ordinal) || f.StartsWith("Microsoft.", StringComparison.Ordinal));
    }

    [PrivilegedFact]
    public void The_generated_plugin_serves_plugins_dry_run_init_rerun_status_and_teardown()
    {
        Assert.True(plugin.Failure is null, plugin.Failure);
        using var sandbox = new Sandbox();
        using var plugins = new TemplatePluginFolder(sandbox, plugin);
        var reservation = sandbox.PathOf("/var/lib/examplecloud/api/ex-node-vms.json");
        // The setting through its environment variable (no flag: detection, not --platform, picks the plugin).
        var zone = new Dictionary<string, string> { ["COCOON_NET_EXAMPLECLOUD_ZONE"] = "zone-b" };
        string[] init = ["init", "--node-name", "ex-node", "--subnet", Subnet, "--pool-size", "20"];

        var list = sandbox.CocoonNet("plugins");
        Assert.True(list.ExitCode == 0, list.ToString());
        Assert.Matches($@"(?m)^examplecloud\s+0\.1\.0\s+{ContractVersions.Escaped(ContractVersions.Current)}\s+examplecloud\s+loaded$", list.Stdout);

        var dryRun = sandbox.CocoonNet([.. init, "--dry-run"], zone);
        Assert.True(dryRun.ExitCode == 0, dryRun.ToString());
        Assert.Contains("+ reserve ex-node-vms (20 addresses of 10.78.0.0/24 in zone-b)", dryRun.Stdout);
        Assert.False(Directory.Exists(sandbox.StateDirectory), "a dry run creates no state");
        Assert.False(File.Exists(reservation), "a dry run reserves nothing");

        var tooBig = sandbox.CocoonNet([.. init[..^1], "251"], zone);
        Assert.True(tooBig.ExitCode == 2, tooBig.ToString());
        Assert.Contains("Error: --pool-size 251: the example cloud reserves at most 250 addresses per node", tooBig.Stderr);
        Assert.False(Directory.Exists(sandbox.StateDirectory), "a provider's limit is checked before anything changes");

        // No agent runs here: dnsmasq's new leases would wait for one (anti-spoofing's lease set is the agent's to keep).
        var first = sandbox.CocoonNet([.. init, "--anti-spoofing=false"], zone);
        Assert.True(first.ExitCode == 0, first.ToString());
        Assert.Contains("+ reserve ex-node-vms (20 addresses of 10.78.0.0/24 in zone-b)", first.Stdout);
        Assert.Contains("cocoon-net init complete: 20 IPs provisioned on 10.78.0.0/24 (examplecloud)", first.Stdout);
        Assert.True(File.Exists(reservation));
        using (var state = JsonDocument.Parse(File.ReadAllText(Path.Combine(sandbox.StateDirectory, "pool.json"))))
        {
            Assert.Equal("examplecloud", state.RootElement.GetProperty("plugin").GetString());
            Assert.Equal("examplecloud", state.RootElement.GetProperty("platform").GetString());
            Assert.Contains("ex-node-vms", state.RootElement.GetProperty("cloud").GetRawText());
        }

        var vm = sandbox.AddVm();
        Assert.NotNull(sandbox.Dhcp(vm));
        Assert.True(sandbox.Ping(vm, "203.0.113.1"));
        sandbox.RemoveVm(vm);

        var rerun = sandbox.CocoonNet(init, zone);
        Assert.True(rerun.ExitCode == 0, rerun.ToString());
        Assert.StartsWith("no changes", rerun.Stdout, StringComparison.Ordinal);

        var status = sandbox.CocoonNet("status");
        Assert.True(status.ExitCode == 0, status.ToString());
        Assert.True(Regex.IsMatch(status.Stdout, @"Reservation:\s+ex-node-vms \(20 addresses in zone-b\)"), status.ToString());

        var teardown = sandbox.CocoonNet("teardown");
        Assert.True(teardown.ExitCode == 0, teardown.ToString());
        Assert.Contains("- release ex-node-vms (20 addresses)", teardown.Stdout);
        Assert.False(File.Exists(reservation), "teardown releases the reservation");
        NodeChecks.AssertClean(sandbox, "after teardown", TemplatePluginFolder.Marker, "/udhcpc.sh");
    }

    [PrivilegedFact]
    public void The_generated_plugins_setting_is_a_flag_listed_by_plugins_and_recorded_for_reruns()
    {
        Assert.True(plugin.Failure is null, plugin.Failure);
        using var sandbox = new Sandbox();
        using var plugins = new TemplatePluginFolder(sandbox, plugin);
        string[] init = ["init", "--node-name", "ex-node", "--subnet", Subnet, "--pool-size", "4"];

        var verbose = sandbox.CocoonNet("plugins", "--verbose");
        Assert.True(verbose.ExitCode == 0, verbose.ToString());
        Assert.Contains("Zone of the example cloud the node's addresses are reserved in", verbose.Stdout);
        var help = sandbox.CocoonNet("init", "--help");
        Assert.Matches(@"--zone\b.*Zone of the example cloud", help.Stdout);

        var first = sandbox.CocoonNet([.. init, "--zone", "zone-c"]);
        Assert.True(first.ExitCode == 0, first.ToString());
        Assert.Contains("in zone-c)", first.Stdout);
        // Recorded: a re-run without the flag keeps the zone instead of moving the reservation to the default.
        var rerun = sandbox.CocoonNet(init);
        Assert.True(rerun.ExitCode == 0, rerun.ToString());
        Assert.StartsWith("no changes", rerun.Stdout, StringComparison.Ordinal);
        var badZone = sandbox.CocoonNet([.. init, "--zone", "Zone C"]);
        Assert.True(badZone.ExitCode == 2, badZone.ToString());
        Assert.Contains("Error: --zone Zone C: expected lower-case letters, digits and '-'", badZone.Stderr);

        var teardown = sandbox.CocoonNet("teardown");
        Assert.True(teardown.ExitCode == 0, teardown.ToString());
        NodeChecks.AssertClean(sandbox, "after teardown", TemplatePluginFolder.Marker);
    }

    [GeneratedRegex(@"Passed!\s+-\s+Failed:\s+0,\s+Passed:\s+(\d+),\s+Skipped:\s+0")]
    private static partial Regex PassedSummary();
}

/// <summary>
/// A plugins folder holding only the no-cloud plugin and the template's (so detection must pick ours by its
/// local sign alone), and that sign: the example cloud's instance marker under the sandbox's root.
/// </summary>
internal sealed class TemplatePluginFolder : IDisposable
{
    public const string Marker = "/etc/examplecloud/instance-id";

    private readonly string _directory;

    public TemplatePluginFolder(Sandbox sandbox, TemplatePlugin plugin)
    {
        _directory = Sandbox.CopyPlugins(sandbox.Root + "-sdk-plugins", Path.Combine(TestEnvironment.OutDirectory, "plugins"), "adopt");
        Sandbox.CopyPlugins(_directory, plugin.PublishDirectory, TemplatePlugin.Name);
        sandbox.PluginsDirectory = _directory;
        var marker = sandbox.PathOf(Marker);
        Directory.CreateDirectory(Path.GetDirectoryName(marker)!);
        File.WriteAllText(marker, "i-0123\n");
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}
