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
        // Only the no-cloud plugin and ours: detection must pick ours by its local sign alone.
        var plugins = Sandbox.CopyPlugins(sandbox.Root + "-sdk-plugins", Path.Combine(TestEnvironment.OutDirectory, "plugins"), "adopt");
        Sandbox.CopyPlugins(plugins, plugin.PublishDirectory, TemplatePlugin.Name);
        sandbox.PluginsDirectory = plugins;
        try
        {
            var marker = sandbox.PathOf("/etc/examplecloud/instance-id");
            Directory.CreateDirectory(Path.GetDirectoryName(marker)!);
            File.WriteAllText(marker, "i-0123\n");
            var reservation = sandbox.PathOf("/var/lib/examplecloud/api/ex-node-vms.json");
            string[] init = ["init", "--node-name", "ex-node", "--subnet", Subnet, "--pool-size", "20"];

            var list = sandbox.CocoonNet("plugins");
            Assert.True(list.ExitCode == 0, list.ToString());
            Assert.Matches(@"(?m)^examplecloud\s+0\.1\.0\b.*\bloaded\b", list.Stdout);
            var verbose = sandbox.CocoonNet("plugins", "--verbose");
            Assert.True(verbose.ExitCode == 0, verbose.ToString());
            Assert.Contains("zone", verbose.Stdout);

            var dryRun = sandbox.CocoonNet([.. init, "--dry-run"]);
            Assert.True(dryRun.ExitCode == 0, dryRun.ToString());
            Assert.Contains("+ reserve ex-node-vms (20 addresses of 10.78.0.0/24 in zone-a)", dryRun.Stdout);
            Assert.False(Directory.Exists(sandbox.StateDirectory), "a dry run creates no state");
            Assert.False(File.Exists(reservation), "a dry run reserves nothing");

            var tooBig = sandbox.CocoonNet([.. init[..^1], "251"]);
            Assert.True(tooBig.ExitCode == 2, tooBig.ToString());
            Assert.Contains("Error: --pool-size 251: the example cloud reserves at most 250 addresses per node", tooBig.Stderr);

            var first = sandbox.CocoonNet([.. init, "--zone", "zone-b"]);
            Assert.True(first.ExitCode == 0, first.ToString());
            Assert.Contains("+ reserve ex-node-vms (20 addresses of 10.78.0.0/24 in zone-b)", first.Stdout);
            Assert.Contains("cocoon-net init complete: 20 IPs provisioned on 10.78.0.0/24 (examplecloud)", first.Stdout);
            Assert.True(File.Exists(reservation));
            using (var state = JsonDocument.Parse(File.ReadAllText(Path.Combine(sandbox.StateDirectory, "pool.json"))))
            {
                Assert.Equal("examplecloud", state.RootElement.GetProperty("plugin").GetString());
                Assert.Contains("ex-node-vms", state.RootElement.GetProperty("cloud").GetRawText());
            }

            var vm = sandbox.AddVm();
            Assert.NotNull(sandbox.Dhcp(vm));
            Assert.True(sandbox.Ping(vm, "203.0.113.1"));
            sandbox.RemoveVm(vm);

            // No --zone: the recorded setting keeps the reservation where it is.
            var rerun = sandbox.CocoonNet(init);
            Assert.True(rerun.ExitCode == 0, rerun.ToString());
            Assert.StartsWith("no changes", rerun.Stdout, StringComparison.Ordinal);

            var status = sandbox.CocoonNet("status");
            Assert.True(status.ExitCode == 0, status.ToString());
            Assert.Matches(@"Reservation:\s+ex-node-vms \(20 addresses in zone-b\)", status.Stdout);

            var teardown = sandbox.CocoonNet("teardown");
            Assert.True(teardown.ExitCode == 0, teardown.ToString());
            Assert.Contains("- release ex-node-vms (20 addresses)", teardown.Stdout);
            Assert.False(File.Exists(reservation), "teardown releases the reservation");
            NodeChecks.AssertClean(sandbox, "after teardown", "/etc/examplecloud/instance-id");
        }
        finally
        {
            Directory.Delete(plugins, recursive: true);
        }
    }

    [GeneratedRegex(@"Passed!\s+-\s+Failed:\s+0,\s+Passed:\s+(\d+),\s+Skipped:\s+0")]
    private static partial Regex PassedSummary();
}
