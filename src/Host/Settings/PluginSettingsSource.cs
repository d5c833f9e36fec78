using CocoonNet.Node.State;
using System.CommandLine;
using CocoonNet.Abstractions;
using CocoonNet.Host.Operations;
using CocoonNet.Host.Plugins;

namespace CocoonNet.Host.Settings;

/// <summary>
/// The resolved settings of every loaded plugin for this run: flag, else environment variable, else
/// config.json, else the value pool.json records (recorded settings of the plugin it records), else the
/// declared default. Flag, variable and file values are read and type-checked once, right after the command
/// line is parsed and before anything else happens (<see cref="Read"/>); the recorded layer is added by the
/// operation once it has read pool.json (<see cref="UseRecorded"/>), before it builds the plugin's container.
/// </summary>
internal sealed class PluginSettingsSource : IPluginSettingsSource
{
    private readonly SettingsCatalog _catalog;
    // Keyed by "plugin/name", values a class: generic code over reference types is precompiled, over value
    // tuples it is jitted on every run.
    private readonly Dictionary<string, Given> _given;
    private readonly Lock _gate = new();
    private string? _recordedPlugin;
    private Dictionary<string, string> _recorded = new(StringComparer.Ordinal);

    private PluginSettingsSource(SettingsCatalog catalog, Dictionary<string, Given> given)
    {
        _catalog = catalog;
        _given = given;
    }

    /// <summary>No plugin settings at all (tests, commands without plugins).</summary>
    public static PluginSettingsSource Empty => new(SettingsCatalog.Empty, []);

    public SettingsCatalog Catalog => _catalog;

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

        return new PluginSettingsSource(catalog, given);
    }

    /// <summary>
    /// The values pool.json records for <paramref name="plugin"/> (the plugin that set up the node). Only
    /// declared, recorded, non-secret settings are taken; a value that no longer fits its type is bad input
    /// naming <paramref name="where"/>.
    /// </summary>
    public void UseRecorded(string? plugin, IReadOnlyDictionary<string, string>? values, string where)
    {
        var recorded = new Dictionary<string, string>(StringComparer.Ordinal);
        if (plugin is not null)
        {
            foreach (var setting in _catalog.For(plugin).Where(s => s.IsRecorded))
            {
                if (values is not null && values.TryGetValue(setting.Name, out var value) && value.Length > 0)
                {
                    recorded[setting.Name] = SettingValues.Normalize(setting.Setting, value, $"{where}: settings.{setting.Name}");
                }
            }
        }

        lock (_gate)
        {
            _recordedPlugin = plugin;
            _recorded = recorded;
        }
    }

    /// <summary>The value of <paramref name="setting"/> and where it came from; a null value has no source.</summary>
    public (string? Value, SettingSource? Source) Resolve(DeclaredSetting setting)
    {
        if (_given.TryGetValue(Key(setting.Plugin, setting.Name), out var given))
        {
            return (given.Value, given.Source);
        }

        lock (_gate)
        {
            if (setting.IsRecorded && _recordedPlugin == setting.Plugin && _recorded.TryGetValue(setting.Name, out var recorded))
            {
                return (recorded, SettingSource.PoolJson);
            }
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
        foreach (var setting in _catalog.For(plugin).Where(s => s.IsRecorded))
        {
            if (Resolve(setting) is ({ } value, not SettingSource.Default))
            {
                values[setting.Name] = value;
            }
        }

        return values.Count > 0 ? StateMap.From(values) : null;
    }

    public IPluginSettings For(DiscoveredPlugin plugin) => new View(this, plugin.Name);

    private static string Key(string plugin, string name) => $"{plugin}/{name}";

    private sealed record Given(string Value, SettingSource Source);

    /// <summary>A live view: a value read after pool.json was taken into account includes the recorded layer.</summary>
    private sealed class View(PluginSettingsSource source, string plugin) : IPluginSettings
    {
        public string? this[string name] =>
            source._catalog.For(plugin).FirstOrDefault(s => s.Name == name) is { } setting ? source.Resolve(setting).Value : null;
    }
}
