using CocoonNet.Tests.Support;

namespace CocoonNet.Tests.Integration;

/// <summary>
/// A plugin built out of tree against the contract alone (tests/SamplePlugin), dropped into a plugins
/// folder and served by the unchanged host: listed, selectable with --platform, its services resolved
/// through DI, its cloud provisioning persisted and torn down.
/// </summary>
[Collection(NamespaceCollection.Name)]
public sealed class ThirdPartyPluginTests
{
    [PrivilegedFact]
    public void A_dropped_in_plugin_is_listed_and_serves_init_status_and_teardown()
    {
        using var sandbox = new Sandbox();
        sandbox.PluginsDirectory = PluginFolders.Create(sandbox.Root, "adopt", "acme", "acme-contract22");

        var list = sandbox.CocoonNet("plugins");
        Assert.True(list.ExitCode == 0, list.ToString());
        Assert.Matches(@"\nacme\s+0\.3\.1\s+2\.1\s+acme\s+loaded\n", list.Stdout);
        // Reported in one line of the table, before the plugin is loaded (its name is its folder's).
        Assert.Matches(@"\nacme-contract22\s+-\s+2\.2\s+-\s+skipped: built for contract 2\.2; this cocoon-net supports up to 2\.1: [^\n]+\n", list.Stdout);
        Assert.Matches(@"\nadopt\s+\d+\.\d+\.\d+\s+2\.1\s+generic\s+loaded\n", list.Stdout);

        var init = sandbox.CocoonNet("init", "--platform", "acme", "--node-name", "acme-node", "--subnet", "10.77.0.0/24", "--pool-size", "20");
        Assert.True(init.ExitCode == 0, init.ToString());
        Assert.Contains("cloud     + reserve 10.77.0.0/24 as acme-subnet-acme-node", init.Stdout);
        Assert.Contains("cocoon-net init complete: 20 IPs provisioned on 10.77.0.0/24 (acme)", init.Stdout);
        var state = File.ReadAllText(Path.Combine(sandbox.StateDirectory, "pool.json"));
        Assert.Contains("\"subnetID\": \"acme-subnet-acme-node\"", state);
        Assert.Contains("\"reservation\": \"rsv-10.77.0.0\"", state);
        Assert.Contains("\"plugin\": \"acme\"", state);

        var vm = sandbox.AddVm();
        Assert.NotNull(sandbox.Dhcp(vm));
        Assert.True(sandbox.Ping(vm, "203.0.113.1"));
        sandbox.RemoveVm(vm);

        var rerun = sandbox.CocoonNet("init", "--node-name", "acme-node", "--subnet", "10.77.0.0/24", "--pool-size", "20");
        Assert.True(rerun.ExitCode == 0, rerun.ToString());
        Assert.StartsWith("no changes", rerun.Stdout);

        var status = sandbox.CocoonNet("status");
        Assert.Contains("SubnetID:   acme-subnet-acme-node", status.Stdout);

        var teardown = sandbox.CocoonNet("teardown");
        Assert.True(teardown.ExitCode == 0, teardown.ToString());
        Assert.Contains("cloud     - release acme-subnet-acme-node", teardown.Stdout);
        Assert.DoesNotContain("cni0", sandbox.Links(sandbox.Node));
    }

    [PrivilegedFact]
    public void A_plugin_built_for_the_previous_minor_contract_still_loads_and_serves_init()
    {
        using var sandbox = new Sandbox();
        sandbox.PluginsDirectory = PluginFolders.Create(sandbox.Root, "acme-contract20");

        var list = sandbox.CocoonNet("plugins");
        Assert.Matches(@"\nacme\s+0\.3\.1\s+2\.0\s+acme\s+loaded\n", list.Stdout);
        var init = sandbox.CocoonNet("init", "--platform", "acme", "--node-name", "acme-node", "--subnet", "10.77.0.0/24", "--pool-size", "5");
        Assert.True(init.ExitCode == 0, init.ToString());
        Assert.Contains("cocoon-net init complete: 5 IPs provisioned on 10.77.0.0/24 (acme)", init.Stdout);
        var teardown = sandbox.CocoonNet("teardown");
        Assert.True(teardown.ExitCode == 0, teardown.ToString());
        Assert.DoesNotContain("cni0", sandbox.Links(sandbox.Node));
    }

    [PrivilegedFact]
    public void Init_without_a_cloud_plugin_fails_before_changing_anything()
    {
        using var sandbox = new Sandbox();
        // Only the no-cloud plugin: the build's own cloud plugins (gke, ...) would otherwise answer detection.
        sandbox.PluginsDirectory = PluginFolders.Create(sandbox.Root, "adopt");
        var result = sandbox.CocoonNet("init", "--node-name", "n", "--subnet", "10.77.0.0/24");
        Assert.Equal(2, result.ExitCode);
        Assert.Contains("could not detect the cloud platform (no cloud plugin is loaded); pass --platform", result.Stderr);
        Assert.DoesNotContain("cni0", sandbox.Links(sandbox.Node));
        Assert.False(Directory.Exists(sandbox.StateDirectory));
    }
}

/// <summary>Builds a plugins folder from built plugin folders, with root-only permissions.</summary>
internal static class PluginFolders
{
    public static string Create(string root, params string[] names)
    {
        var directory = Path.Combine(root, "plugins");
        foreach (var name in names)
        {
            var source = name == "adopt" ? Path.Combine(TestEnvironment.OutDirectory, "plugins") : TestEnvironment.TestPlugins;
            Sandbox.CopyPlugins(directory, source, name);
        }

        return directory;
    }
}
