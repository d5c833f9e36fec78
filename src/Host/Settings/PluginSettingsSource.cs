using System.CommandLine;
using CocoonNet.Abstractions;
using CocoonNet.Host.Plugins;
using CocoonNet.Node.State;

namespace CocoonNet.Host.Settings;

/// <summary>
/// The resolved settings of the run's plugins, as an immutable snapshot: flag, else environment variable,
/// else config.json, else the value pool.json records (recorded settings of the plugin it records), else
/// the declared default. Flag, variable and file values are read and type-checked once, right after the
/// command line is parsed (<see cref="Read"/>); the recorded layer joins them as a new snapshot
/// (<see cref="WithRecorded(PoolState?, string)"/>) before any plugin's container is built from it, so a
/// plugin never sees its settings change under it.
/// </summary>
internal sealed class PluginSettingsSource
{
    // Keyed by "plugin/name", values a class: generic code over reference types is precompiled, over value
    // tuples it is jitted on every run.
    private readonly Dictionary<string, Given> _given;
    private readonly string? _recordedPlugin;
    private readonly Dictionary<string, string> _recorded;

    private PluginSettingsSource(SettingsCatalog catalog, Dictionary<string, Given> given, string? recordedPlugin, Dictionary<string, string> recorded)
    {
        Catalog = catalog;
        _given = given;
        _recordedPlugin = recordedPlugin;
        _recorded = recorded;
    }

    /// <summary>No plugin settings at all (tests, commands without plugins).</summary>
    public static PluginSettingsSource Empty { get; } = new(SettingsCatalog.Empty, [], null, []);

    public SettingsCatalog Catalog { get; }

    /// <summary>
    /// Reads and checks the flag, environment and config file values of every declared setting.
    /// <paramref name="command"/> decides which flags count (a flag only feeds the settings of that command).
    /// </summary>
    /// <exception cref="UsageException">A value does not fit its type, or the config file is bad; the message names where it came from.</exception>
    public static PluginSettingsSource Read(
        SettingsCatalog catalog,
        ParseResult? parse,
        SettingCommands command,
        Func<string, string?> environment,
        string configFile,
        IReadOnlySet<string> loadedPlugins)
    {
        var given = new Dictionary<string, Given>(StringComparer.Ordinal);
        // Read even when no plugin declares a setting: a key under a loaded plugin's section is then a mistake too.
        var file = ConfigFile.Read(configFile, catalog, loadedPlugins);
        foreach (var setting in catalog.All)
        {
            var key = Key(setting.Plugin, setting.Name);
            if (parse is not null && setting.AppliesTo(command) && catalog.FlagOf(setting) is { } flag
                && parse.GetResult(flag) is { Implicit: false } result)
            {
                // A bare switch means true; a bare flag of another type was refused by the parser (arity).
                var raw = result.Tokens.Count > 0 ? result.Tokens[^1].Value : "true";
                given[key] = new(SettingValues.Normalize(setting.Setting, raw, flag.Name), SettingSource.Flag);
            }
            else if (environment(setting.VariableName) is { Length: > 0 } variable)
            {
                given[key] = new(SettingValues.Normalize(setting.Setting, variable, $"{setting.VariableName}="), SettingSource.Environment);
            }
            else if (file.TryGetValue(key, out var value))
            {
                given[key] = new(SettingValues.Normalize(setting.Setting, value, $"{configFile}: {setting.ConfigKey}"), SettingSource.ConfigFile);
            }
        }

        return new PluginSettingsSource(catalog, given, null, []);
    }

    /// <summary>This snapshot with the settings <paramref name="state"/> records (none when it is null).</summary>
    /// <exception cref="UsageException">A recorded value no longer fits its type; the message names <paramref name="where"/>.</exception>
    public PluginSettingsSource WithRecorded(PoolState? state, string where) => WithRecorded(state?.Plugin, state?.Settings?.Values, where);

    /// <summary>
    /// This snapshot with the values pool.json records for <paramref name="plugin"/> (the plugin that set up the
    /// node) as its recorded layer, replacing any earlier one. Only declared, recorded, non-secret settings are
    /// taken; a value that no longer fits its type is bad input naming <paramref name="where"/>.
    /// </summary>
    public PluginSettingsSource WithRecorded(string? plugin, IReadOnlyDictionary<string, string>? values, string where)
    {
        var recorded = new Dictionary<string, string>(StringComparer.Ordinal);
        if (plugin is not null)
        {
            foreach (var setting in Catalog.For(plugin).Where(s => s.IsRecorded))
            {
                if (values is not null && values.TryGetValue(setting.Name, out var value) && value.Length > 0)
                {
                    recorded[setting.Name] = SettingValues.Normalize(setting.Setting, value, $"{where}: settings.{setting.Name}");
                }
            }
        }

        return new PluginSettingsSource(Catalog, _given, plugin, recorded);
    }

    /// <summary>The value of <paramref name="setting"/> and where it came from; a null value has no source.</summary>
    public (string? Value, SettingSource? Source) Resolve(DeclaredSetting setting)
    {
        if (_given.TryGetValue(Key(setting.Plugin, setting.Name), out var given))
        {
            return (given.Value, given.Source);
        }

        if (setting.IsRecorded && _recordedPlugin == setting.Plugin && _recorded.TryGetValue(setting.Name, out var recorded))
        {
            return (recorded, SettingSource.PoolJson);
        }

        return setting.Setting.Default is { } fallback ? (fallback, SettingSource.Default) : (null, null);
    }

    /// <summary>
    /// What pool.json records for <paramref name="plugin"/>: its recorded settings that were given (flag,
    /// variable, file) or recorded before. Defaults are not recorded, so a node follows its plugin's default;
    /// secrets never are. Null when there is nothing to record.
    /// </summary>
    public StateMap? ToRecord(string? plugin)
    {
        if (plugin is null)
        {
            return null;
        }

        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var setting in Catalog.For(plugin).Where(s => s.IsRecorded))
        {
            if (Resolve(setting) is ({ } value, not SettingSource.Default))
            {
                values[setting.Name] = value;
            }
        }

        return values.Count > 0 ? StateMap.From(values) : null;
    }

    /// <summary>What <paramref name="plugin"/> reads as <see cref="IPluginSettings"/>: its resolved values, fixed now.</summary>
    public IPluginSettings For(DiscoveredPlugin plugin) => For(plugin.Name);

    /// <inheritdoc cref="For(DiscoveredPlugin)"/>
    public IPluginSettings For(string plugin)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var setting in Catalog.For(plugin))
        {
            if (Resolve(setting).Value is { } value)
            {
                values[setting.Name] = value;
            }
        }

        return new Resolved(values);
    }

    private static string Key(string plugin, string name) => $"{plugin}/{name}";

    private sealed record Given(string Value, SettingSource Source);

    /// <summary>One plugin's values as the snapshot resolved them.</summary>
    private sealed class Resolved(Dictionary<string, string> values) : IPluginSettings
    {
        public string? this[string name] => values.GetValueOrDefault(name);
    }
}
