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
        sandbox.PluginsDirectory = PluginFolders.Create(sandbox.Root, "adopt", "acme", "acme-contract-newer");

        var list = sandbox.CocoonNet("plugins");
        Assert.True(list.ExitCode == 0, list.ToString());
        Assert.Matches($@"\nacme\s+0\.3\.1\s+{ContractVersions.Escaped(ContractVersions.Current)}\s+acme\s+loaded\n", list.Stdout);
        // Reported in one line of the table, before the plugin is loaded (its name is its folder's).
        var (next, current) = (ContractVersions.Escaped(ContractVersions.Next), ContractVersions.Escaped(ContractVersions.Current));
        Assert.Matches($@"\nacme-contract-newer\s+-\s+{next}\s+-\s+skipped: built for contract {next}; this cocoon-net supports up to {current}: [^\n]+\n", list.Stdout);
        Assert.Matches($@"\nadopt\s+\d+\.\d+\.\d+\s+{current}\s+generic\s+loaded\n", list.Stdout);

        // The dry-run header shows what the cloud gives (acme: at most 100), not what was asked for.
        var plan = sandbox.CocoonNet("init", "--platform", "acme", "--node-name", "acme-node", "--subnet", "10.77.0.0/24", "--pool-size", "150", "--dry-run");
        Assert.True(plan.ExitCode == 0, plan.ToString());
        Assert.Contains("\n  pool-size:  100 (first=10.77.0.2, last=10.77.0.101); 150 requested, the cloud's limit\n", plan.Stdout);

        // No agent runs here: dnsmasq's new leases would wait for one (anti-spoofing's lease set is the agent's to keep).
        var init = sandbox.CocoonNet("init", "--platform", "acme", "--node-name", "acme-node", "--subnet", "10.77.0.0/24", "--pool-size", "20", "--anti-spoofing=false");
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
    public void A_plugins_setting_comes_from_its_flag_variable_config_file_or_the_recorded_value()
    {
        using var sandbox = new Sandbox();
        sandbox.PluginsDirectory = PluginFolders.Create(sandbox.Root, "adopt", "acme");
        string[] init = ["init", "--platform", "acme", "--node-name", "acme-node", "--subnet", "10.77.0.0/24", "--pool-size", "5"];
        var config = sandbox.PathOf("/etc/cocoon-net/config.json");
        const string Variable = "COCOON_NET_ACME_RESERVATION_PREFIX";
        string Recorded() => File.ReadAllText(Path.Combine(sandbox.StateDirectory, "pool.json"));
        CommandResult Run(string[] args, Dictionary<string, string>? environment = null)
        {
            var result = sandbox.CocoonNet(args, environment);
            Assert.True(result.ExitCode == 0, result.ToString());
            return result;
        }

        var help = sandbox.CocoonNet("init", "--help");
        Assert.Contains("\nacme plugin options:\n  --reservation-prefix <value>", help.Stdout);

        // The variable on a first init: used, and recorded (by name) since the setting is Recorded.
        Run(init, new() { [Variable] = "env" });
        Assert.Contains("\"reservation\": \"env-10.77.0.0\"", Recorded());
        Assert.Contains("\"settings\": {\n    \"reservation-prefix\": \"env\"\n  }", Recorded());

        // A re-run that gives nothing uses the recorded value: nothing changes.
        Assert.StartsWith("no changes", Run(init).Stdout);

        // config.json beats the recorded value, and replaces it.
        Directory.CreateDirectory(Path.GetDirectoryName(config)!);
        File.WriteAllText(config, """{ "plugins": { "acme": { "reservation-prefix": "file" } } }""");
        Run(init);
        Assert.Contains("\"reservation\": \"file-10.77.0.0\"", Recorded());
        Assert.Contains("\"reservation-prefix\": \"file\"", Recorded());

        // The variable beats the file; the flag beats both.
        Run(init, new() { [Variable] = "env2" });
        Assert.Contains("\"reservation\": \"env2-10.77.0.0\"", Recorded());
        Run([.. init, "--reservation-prefix", "flag"], new() { [Variable] = "env2" });
        Assert.Contains("\"reservation\": \"flag-10.77.0.0\"", Recorded());
        Assert.Contains("\"reservation-prefix\": \"flag\"", Recorded());

        // Without the file, a re-run keeps the flag's value from pool.json; plugins --verbose says where it is from.
        File.Delete(config);
        Assert.StartsWith("no changes", Run(init).Stdout);
        Assert.Contains("    value: flag (from pool.json)\n", Run(["plugins", "--verbose"]).Stdout);

        // Bad values: exit 2, one line naming where the value came from, nothing changed.
        var before = Recorded();
        var badFlag = sandbox.CocoonNet([.. init, "--max-reservations", "many"]);
        Assert.Equal(2, badFlag.ExitCode);
        Assert.Contains("Error: --max-reservations many: expected a whole number (default 8)", badFlag.Stderr);
        var badVariable = sandbox.CocoonNet(init, new Dictionary<string, string> { ["COCOON_NET_ACME_MAX_RESERVATIONS"] = "many" });
        Assert.Equal(2, badVariable.ExitCode);
        Assert.Contains("Error: COCOON_NET_ACME_MAX_RESERVATIONS=many: expected a whole number", badVariable.Stderr);
        File.WriteAllText(config, """{ "plugins": { "acme": { "reservation-prefx": "x" } } }""");
        var badFile = sandbox.CocoonNet(init);
        Assert.Equal(2, badFile.ExitCode);
        Assert.Contains($"Error: {config}: plugins.acme.reservation-prefx is not a setting of plugin acme", badFile.Stderr);
        File.Delete(config);
        Assert.Equal(before, Recorded());

        Assert.Equal(0, sandbox.CocoonNet("teardown").ExitCode);
    }

    [PrivilegedFact]
    public void A_plugin_built_for_the_previous_minor_contract_still_loads_and_serves_init()
    {
        using var sandbox = new Sandbox();
        sandbox.PluginsDirectory = PluginFolders.Create(sandbox.Root, "acme-contract-older");

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
