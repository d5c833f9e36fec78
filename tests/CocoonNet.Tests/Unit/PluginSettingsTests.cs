using CocoonNet.Host;
using System.CommandLine;
using System.Text.Json.Nodes;
using CocoonNet.Abstractions;
using CocoonNet.Host.Cli;
using CocoonNet.Node.Linux;
using CocoonNet.Host.Operations;
using CocoonNet.Host.Plugins;
using CocoonNet.Host.Settings;
using CocoonNet.Node.State;
using CocoonNet.Tests.Integration;
using CocoonNet.Tests.Support;
using CocoonNet.Tests.Validation;
using Microsoft.Extensions.DependencyInjection;

namespace CocoonNet.Tests.Unit;

/// <summary>
/// Plugin settings on the host side: names, precedence (flag, variable, config.json, pool.json, default),
/// type checks that name where a bad value came from, secrets, clashes, help and the plugins report.
/// </summary>
public sealed class PluginSettingsTests : IDisposable
{
    private static readonly HashSet<string> HostOptions = ["--subnet", "--node-name", "--help", "-h", "--output", "-o"];

    private static readonly PluginSetting Prefix = new()
    {
        Name = "reservation-prefix",
        Description = "Prefix",
        Default = "default",
        Recorded = true,
        Commands = SettingCommands.Init | SettingCommands.Adopt,
    };

    private static readonly PluginSetting Count = new() { Name = "max-count", Description = "Count", Type = SettingType.WholeNumber, Commands = SettingCommands.Init };
    private static readonly PluginSetting Fast = new() { Name = "fast", Description = "Fast", Type = SettingType.Switch, Commands = SettingCommands.Init };
    private static readonly PluginSetting Token = new() { Name = "api-token", Description = "Token", Secret = true, Recorded = true, Commands = SettingCommands.Init };

    private readonly string _root = Path.Combine(Path.GetTempPath(), $"cocoon-settings-{Guid.NewGuid():N}");

    public PluginSettingsTests() => Directory.CreateDirectory(_root);

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private string ConfigFile => Path.Combine(_root, "config.json");

    [Fact]
    public void Names_follow_the_plugin_and_the_setting()
    {
        var setting = Catalog(Plugin("volcengine", new PluginSetting { Name = "security-group-id", Description = "d" })).All.Single();
        Assert.Equal("--security-group-id", setting.Flag);
        Assert.Equal("COCOON_NET_VOLCENGINE_SECURITY_GROUP_ID", setting.VariableName);
        Assert.Equal("plugins.volcengine.security-group-id", setting.ConfigKey);
    }

    [Fact]
    public void Each_level_beats_the_next_flag_variable_file_pool_json_default()
    {
        var catalog = Catalog(Plugin("acme", Prefix));
        var setting = catalog.All.Single();
        File.WriteAllText(ConfigFile, """{ "plugins": { "acme": { "reservation-prefix": "file" } } }""");
        var recorded = new Dictionary<string, string> { ["reservation-prefix"] = "recorded" };
        var variable = new Dictionary<string, string?> { ["COCOON_NET_ACME_RESERVATION_PREFIX"] = "variable" };

        (string?, SettingSource?) Resolve(string[] flags, Dictionary<string, string?> environment, bool withRecorded)
        {
            var source = Read(catalog, ["init", .. flags], environment);
            return (withRecorded ? source.WithRecorded("acme", recorded, "/state/pool.json") : source).Resolve(setting);
        }

        Assert.Equal(("flag", SettingSource.Flag), Resolve(["--reservation-prefix", "flag"], variable, true));
        Assert.Equal(("variable", SettingSource.Environment), Resolve([], variable, true));
        Assert.Equal(("file", SettingSource.ConfigFile), Resolve([], [], true));
        File.Delete(ConfigFile);
        Assert.Equal(("recorded", SettingSource.PoolJson), Resolve([], [], true));
        Assert.Equal(("default", SettingSource.Default), Resolve([], [], false));
    }

    [Fact]
    public void The_plugin_sees_resolved_values_and_the_recorded_layer_only_for_the_plugin_pool_json_records()
    {
        var acme = Plugin("acme", Prefix);
        var catalog = Catalog(acme);
        var source = Read(catalog, ["init"], []);
        Assert.Equal("default", source.For(acme)["reservation-prefix"]);
        var theirs = source.WithRecorded("other", new Dictionary<string, string> { ["reservation-prefix"] = "theirs" }, "/state/pool.json");
        Assert.Equal("default", theirs.For(acme)["reservation-prefix"]);
        var ours = source.WithRecorded("acme", new Dictionary<string, string> { ["reservation-prefix"] = "ours" }, "/state/pool.json");
        Assert.Equal("ours", ours.For(acme)["reservation-prefix"]);
        Assert.Null(ours.For(acme)["undeclared"]);
    }

    [Fact]
    public void A_snapshot_never_changes_a_recorded_layer_is_a_new_snapshot()
    {
        var acme = Plugin("acme", Prefix);
        var source = Read(Catalog(acme), ["init"], []);
        var view = source.For(acme);
        var recorded = source.WithRecorded("acme", new Dictionary<string, string> { ["reservation-prefix"] = "ours" }, "/state/pool.json");
        Assert.Equal("default", view["reservation-prefix"]);
        Assert.Equal("default", source.For(acme)["reservation-prefix"]);
        Assert.Equal("ours", recorded.For(acme)["reservation-prefix"]);
        // A later layer replaces the earlier one; none (a node without pool.json) leaves the given values.
        Assert.Equal("default", recorded.WithRecorded(null, null, "/state/pool.json").For(acme)["reservation-prefix"]);
        var state = new PoolState { Platform = "acme", Plugin = "acme", Settings = StateMap.From(new Dictionary<string, string> { ["reservation-prefix"] = "corp" }) };
        Assert.Equal(("corp", SettingSource.PoolJson), recorded.WithRecorded(state, "/state/pool.json").Resolve(source.Catalog.All.Single()));
    }

    [Fact]
    public void The_plugin_container_gets_the_snapshot_it_was_built_from()
    {
        var acme = Plugin("acme", Prefix);
        var snapshot = Read(Catalog(acme), ["init"], [])
            .WithRecorded("acme", new Dictionary<string, string> { ["reservation-prefix"] = "ours" }, "/state/pool.json");
        var host = new ServiceCollection()
            .AddSingleton(new CocoonNet.Host.Logging.StderrLoggerProvider(Microsoft.Extensions.Logging.LogLevel.Error, TextWriter.Null))
            .BuildServiceProvider();
        using var container = PluginContainer.Build(acme, host, snapshot.For(acme));
        Assert.Equal("ours", container.GetRequiredService<IPluginSettings>()["reservation-prefix"]);
    }

    [Fact]
    public void A_flag_feeds_only_the_commands_its_setting_names()
    {
        var catalog = Catalog(Plugin("acme", Count));
        // max-count is an init setting: status has no such flag.
        var status = Parse(catalog, ["status", "--max-count", "3"]);
        Assert.NotEmpty(status.Errors);
        Assert.Equal("3", Read(catalog, ["init", "--max-count", "3"], []).Resolve(catalog.All.Single()).Item1);
    }

    [Theory]
    [InlineData(new[] { "init", "--max-count", "abc" }, "--max-count abc: expected a whole number (a value for max-count)")]
    [InlineData(new[] { "init", "--max-count", "1.5" }, "--max-count 1.5: expected a whole number (a value for max-count)")]
    [InlineData(new[] { "init", "--fast=maybe" }, "--fast maybe: expected true or false (a value for fast)")]
    public void Bad_flag_values_name_the_flag(string[] args, string message)
    {
        var catalog = Catalog(Plugin("acme", Count, Fast));
        Assert.Equal(message, Assert.Throws<UsageException>(() => Read(catalog, args, [])).Message);
    }

    [Fact]
    public void A_bare_switch_means_true_and_values_are_canonical()
    {
        var catalog = Catalog(Plugin("acme", Count, Fast));
        var source = Read(catalog, ["init", "--fast", "--max-count", "+7"], []);
        Assert.Equal("true", source.Resolve(catalog.All.Single(s => s.Name == "fast")).Item1);
        Assert.Equal("7", source.Resolve(catalog.All.Single(s => s.Name == "max-count")).Item1);
        File.WriteAllText(ConfigFile, """{ "plugins": { "acme": { "fast": false, "max-count": 12 } } }""");
        source = Read(catalog, ["init"], []);
        Assert.Equal("false", source.Resolve(catalog.All.Single(s => s.Name == "fast")).Item1);
        Assert.Equal("12", source.Resolve(catalog.All.Single(s => s.Name == "max-count")).Item1);
    }

    [Fact]
    public void Bad_values_from_the_environment_the_file_and_pool_json_name_where_they_came_from()
    {
        var catalog = Catalog(Plugin("acme", Count, Fast));
        Assert.Equal("COCOON_NET_ACME_MAX_COUNT=ten: expected a whole number (a value for max-count)",
            Assert.Throws<UsageException>(() => Read(catalog, ["init"], new() { ["COCOON_NET_ACME_MAX_COUNT"] = "ten" })).Message);

        File.WriteAllText(ConfigFile, """{ "plugins": { "acme": { "fast": "yes" } } }""");
        Assert.Equal($"{ConfigFile}: plugins.acme.fast yes: expected true or false (a value for fast)",
            Assert.Throws<UsageException>(() => Read(catalog, ["init"], [])).Message);

        File.Delete(ConfigFile);
        var recorded = Catalog(Plugin("acme", Prefix with { Type = SettingType.WholeNumber, Default = null }));
        var source = Read(recorded, ["init"], []);
        Assert.Equal("/state/pool.json: settings.reservation-prefix x: expected a whole number (a value for reservation-prefix)",
            Assert.Throws<UsageException>(() => source.WithRecorded("acme", new Dictionary<string, string> { ["reservation-prefix"] = "x" }, "/state/pool.json")).Message);
    }

    [Theory]
    [InlineData("{ \"plugins\": { \"acme\": ", "is not valid JSON (line 1, column")]
    [InlineData("[1, 2]", "is not a settings file")]
    [InlineData("{ \"plugins\": 3 }", "plugins must be an object of plugin sections, not a value")]
    [InlineData("{ \"plugins\": { \"acme\": \"x\" } }", "plugins.acme must be an object of settings, not a value")]
    [InlineData("{ \"plugins\": { \"acme\": { \"max-cuont\": 3 } } }", "plugins.acme.max-cuont is not a setting of plugin acme (it has max-count, fast)")]
    [InlineData("{ \"plugins\": { \"acme\": { \"max-count\": { \"a\": 1 } } } }", "plugins.acme.max-count must be a single value, not an object or a list")]
    [InlineData("{ \"plugin\": { } }", "unknown key plugin; settings go under \"plugins\"")]
    public void A_bad_config_file_is_bad_input_naming_the_file(string content, string expected)
    {
        File.WriteAllText(ConfigFile, content);
        var message = Assert.Throws<UsageException>(() => Read(Catalog(Plugin("acme", Count, Fast)), ["init"], [])).Message;
        Assert.StartsWith(ConfigFile, message);
        Assert.Contains(expected, message);
        Assert.DoesNotContain("System.", message);
    }

    [Fact]
    public void The_config_file_may_carry_comments_and_sections_of_plugins_not_installed_here()
    {
        File.WriteAllText(ConfigFile, """
            // settings of this node
            { "plugins": { "gke": { "anything": 1 }, "acme": { "max-count": 4, }, } }
            """);
        var catalog = Catalog(Plugin("acme", Count));
        Assert.Equal(("4", SettingSource.ConfigFile), Read(catalog, ["init"], []).Resolve(catalog.All.Single()));
    }

    [Fact]
    public void Secrets_are_never_flags_never_recorded_and_never_printed()
    {
        var acme = Plugin("acme", Prefix, Token);
        var catalog = Catalog(acme);
        var token = catalog.All.Single(s => s.Name == "api-token");
        Assert.Null(token.Flag);
        Assert.Contains("secret", token.WhyNoFlag);
        Assert.NotEmpty(Parse(catalog, ["init", "--api-token", "s3cr3t"]).Errors);

        var source = Read(catalog, ["init", "--reservation-prefix", "p"], new() { ["COCOON_NET_ACME_API_TOKEN"] = "s3cr3t" });
        Assert.Equal("s3cr3t", source.For(acme)["api-token"]);
        Assert.Equal(new Dictionary<string, string> { ["reservation-prefix"] = "p" }, source.ToRecord("acme")!.Values);
        Assert.Equal("s3cr3t", source.WithRecorded("acme", new Dictionary<string, string> { ["api-token"] = "from-an-old-file" }, "/state/pool.json").For(acme)["api-token"]);

        var report = new PluginsReport([acme], "/plugins", source);
        var text = new StringWriter();
        report.Print(text, verbose: true);
        var json = new StringWriter();
        report.PrintJson(json);
        Assert.DoesNotContain("s3cr3t", text.ToString() + json);
        Assert.Contains("api-token (text, no default, secret, for init)", text.ToString());
        Assert.Contains("value: set (from COCOON_NET_ACME_API_TOKEN)", text.ToString());
        var entry = JsonNode.Parse(json.ToString())!["plugins"]![0]!["settings"]!.AsArray().Single(s => (string)s!["name"]! == "api-token")!;
        Assert.Null(entry["value"]);
        Assert.True((bool)entry["set"]!);
        Assert.Equal("environment", (string)entry["source"]!);

        var bad = Assert.Throws<UsageException>(() => Read(Catalog(Plugin("acme", Token with { Type = SettingType.WholeNumber })), ["init"],
            new() { ["COCOON_NET_ACME_API_TOKEN"] = "s3cr3t" }));
        Assert.DoesNotContain("s3cr3t", bad.Message);
    }

    [Fact]
    public void Defaults_are_not_recorded_so_a_node_follows_its_plugins_default()
    {
        var catalog = Catalog(Plugin("acme", Prefix));
        Assert.Null(Read(catalog, ["init"], []).ToRecord("acme"));
        var source = Read(catalog, ["init"], []).WithRecorded("acme", new Dictionary<string, string> { ["reservation-prefix"] = "kept" }, "/state/pool.json");
        Assert.Equal(new Dictionary<string, string> { ["reservation-prefix"] = "kept" }, source.ToRecord("acme")!.Values);
    }

    [Fact]
    public void A_name_that_clashes_with_a_host_option_is_no_flag_and_the_report_says_why()
    {
        var acme = Plugin("acme", new PluginSetting { Name = "subnet", Description = "d" });
        var catalog = Catalog(acme);
        var setting = catalog.All.Single();
        Assert.Null(setting.Flag);
        Assert.Equal("--subnet is one of cocoon-net's own options", setting.WhyNoFlag);
        Assert.Empty(catalog.Flags);
        Assert.Equal("v", Read(catalog, ["init"], new() { ["COCOON_NET_ACME_SUBNET"] = "v" }).Resolve(setting).Item1);

        var text = new StringWriter();
        new PluginsReport([acme], "/plugins", Read(catalog, ["init"], [])).Print(text, verbose: true);
        Assert.Contains("flag: none (--subnet is one of cocoon-net's own options)", text.ToString());
    }

    [Fact]
    public void Two_plugins_declaring_a_name_share_its_flag()
    {
        var a = Plugin("alpha", Prefix);
        var b = Plugin("beta", Prefix with { Commands = SettingCommands.Init });
        var catalog = Catalog(a, b);
        Assert.Single(catalog.Flags);
        var source = Read(catalog, ["adopt", "--reservation-prefix", "x"], []);
        Assert.Equal("x", source.For(a)["reservation-prefix"]);
        Assert.Equal("default", source.For(b)["reservation-prefix"]); // beta's setting is not an adopt setting
    }

    [Fact]
    public void Pool_json_records_settings_by_name_and_a_change_is_a_change()
    {
        var state = new PoolState { Platform = "acme", Plugin = "acme", Settings = StateMap.From(new Dictionary<string, string> { ["reservation-prefix"] = "corp" }) };
        var json = PoolStateJson.Write(state);
        Assert.Contains("\"plugin\": \"acme\",\n  \"settings\": {\n    \"reservation-prefix\": \"corp\"\n  },", json);
        var read = PoolStateJson.Read(json);
        Assert.Equal(state, read);
        Assert.NotEqual(state, read with { Settings = StateMap.From(new Dictionary<string, string> { ["reservation-prefix"] = "other" }) });
        Assert.DoesNotContain("settings", PoolStateJson.Write(state with { Settings = null }));
    }

    [BuildFact]
    public void Help_lists_a_plugins_flags_under_its_heading_after_the_hosts_options()
    {
        var directory = PluginFolders.Create(_root, "adopt", "acme");
        var (exit, stdout, _) = Cli("init", "--help", "--plugins-dir", directory);
        Assert.Equal(0, exit);
        var heading = stdout.IndexOf("\nacme plugin options:\n  --reservation-prefix <value>  Prefix of the acme reservation names (default rsv; ", StringComparison.Ordinal);
        Assert.True(heading > 0, stdout);
        Assert.True(stdout.IndexOf("--quiet", StringComparison.Ordinal) < heading, stdout);
        Assert.True(heading < stdout.IndexOf("Examples:", StringComparison.Ordinal), stdout);
        Assert.Contains("  $COCOON_NET_ACME_API_TOKEN", stdout);
        Assert.DoesNotContain("--reservation-prefix", stdout[..heading]);
        // adopt is not one of its commands.
        Assert.DoesNotContain("acme plugin options", Cli("adopt", "--help", "--plugins-dir", directory).Stdout);
    }

    [BuildFact]
    public void Plugins_verbose_and_json_list_every_setting_with_its_names_and_value()
    {
        var directory = PluginFolders.Create(_root, "adopt", "acme", "acme-contract-newer");
        var (exit, stdout, stderr) = Cli("plugins", "--verbose", "--plugins-dir", directory);
        Assert.True(exit == 0, stderr);
        Assert.Contains("""
            acme settings:
              reservation-prefix (text, default rsv, recorded in pool.json, for init)
                Prefix of the acme reservation names
                flag: --reservation-prefix
                variable: COCOON_NET_ACME_RESERVATION_PREFIX
                config.json: plugins.acme.reservation-prefix
                value: rsv (from default)
            """.ReplaceLineEndings("\n"), stdout);
        Assert.Contains("adopt: no settings", stdout);

        var json = Cli("plugins", "-o", "json", "--plugins-dir", directory).Stdout;
        Schemas.AssertValid(Schemas.Plugins, json);
        var plugins = JsonNode.Parse(json)!["plugins"]!.AsArray().ToDictionary(p => (string)p!["name"]!);
        var settings = plugins["acme"]!["settings"]!.AsArray();
        Assert.Equal(["reservation-prefix", "max-reservations", "api-token"], settings.Select(s => (string)s!["name"]!));
        Assert.Equal("wholeNumber", (string)settings[1]!["type"]!);
        Assert.Equal(["init", "status"], settings[1]!["commands"]!.AsArray().Select(c => (string)c!));
        Assert.Empty(plugins["acme-contract-newer"]!["settings"]!.AsArray());
        Schemas.AssertInvalid(Schemas.Plugins, json.Replace("\"wholeNumber\"", "\"integer\"", StringComparison.Ordinal));

        var yaml = Cli("plugins", "-o", "yaml", "--plugins-dir", directory).Stdout;
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(json), Schemas.YamlToJson(yaml)), yaml);
    }

    [BuildFact]
    public void A_plugin_built_for_contract_2_0_declares_no_settings_and_still_loads()
    {
        var directory = PluginFolders.Create(_root, "acme-contract-older");
        var plugin = Assert.Single(PluginCatalog.Discover(directory, allowInsecure: false, Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance));
        Assert.True(plugin.IsLoaded, plugin.Status);
        Assert.Empty(plugin.Settings);
    }

    private static (int Exit, string Stdout, string Stderr) Cli(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var exit = new CliApplication(stdout, stderr).RunAsync(args, CancellationToken.None).GetAwaiter().GetResult();
        return (exit, stdout.ToString(), stderr.ToString());
    }

    private static DiscoveredPlugin Plugin(string name, params PluginSetting[] settings) =>
        new($"/plugins/{name}", name, "1.0.0", PluginContract.Current, name, null, new Declaring(name), typeof(PluginSettingsTests).Assembly) { Settings = settings };

    private static SettingsCatalog Catalog(params DiscoveredPlugin[] plugins) => SettingsCatalog.Build(plugins, HostOptions);

    /// <summary>init, adopt and status with the catalog's flags, as the CLI adds them.</summary>
    private static ParseResult Parse(SettingsCatalog catalog, string[] args)
    {
        var root = new RootCommand();
        foreach (var name in new[] { "init", "adopt", "status" })
        {
            var command = new Command(name);
            foreach (var flag in catalog.FlagsFor(DeclaredSetting.CommandOf(name)))
            {
                command.Options.Add(flag);
            }

            root.Subcommands.Add(command);
        }

        return root.Parse(args);
    }

    private PluginSettingsSource Read(SettingsCatalog catalog, string[] args, Dictionary<string, string?> environment)
    {
        var parse = Parse(catalog, args);
        Assert.True(parse.Errors.Count == 0 || args.Any(a => a.Contains('=', StringComparison.Ordinal)), string.Join("; ", parse.Errors.Select(e => e.Message)));
        return PluginSettingsSource.Read(catalog, parse, DeclaredSetting.CommandOf(args[0]), name => environment.GetValueOrDefault(name), ConfigFile,
            catalog.All.Select(s => s.Plugin).ToHashSet(StringComparer.Ordinal));
    }

    private sealed class Declaring(string name) : ICocoonNetPlugin
    {
        public string Name => name;

        public string Version => "1.0.0";

        public string Platform => name;

        public void ConfigureServices(IServiceCollection services)
        {
        }
    }
}
