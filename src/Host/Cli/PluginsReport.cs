using System.Text.Json;
using System.Text.Json.Serialization;
using CocoonNet.Abstractions;
using CocoonNet.Host.Plugins;
using CocoonNet.Host.Settings;
using CocoonNet.Node.State;

namespace CocoonNet.Host.Cli;

/// <summary>
/// What <c>cocoon-net plugins</c> prints: a table (with <c>--verbose</c>, every plugin's settings after it),
/// or the typed document of docs/plugins.schema.json. A secret's value is never printed: only whether it is set.
/// </summary>
internal sealed class PluginsReport
{
    private readonly IReadOnlyList<DiscoveredPlugin> _plugins;
    private readonly string _directory;
    private readonly PluginSettingsSource _settings;

    /// <summary>
    /// The report of <paramref name="plugins"/>; <paramref name="settings"/> is the run's snapshot, with the recorded
    /// layer of the node's default state directory, so "current value" means what a re-run would use.
    /// </summary>
    public PluginsReport(IReadOnlyList<DiscoveredPlugin> plugins, string directory, PluginSettingsSource settings)
    {
        _plugins = plugins;
        _directory = directory;
        _settings = settings;
    }

    public void Print(TextWriter output, bool verbose = false)
    {
        output.WriteLine($"plugins directory: {_directory}");
        if (_plugins.Count == 0)
        {
            output.WriteLine("no plugins found");
            return;
        }

        var rows = _plugins.Select(p => (
            Name: p.Name,
            Version: p.Version.Length > 0 ? p.Version : "-",
            Contract: p.Contract is { } contract ? ContractReference.Show(contract) : "-",
            Platform: p.Platform ?? "-",
            p.Status)).ToList();
        var w1 = Math.Max(4, rows.Max(r => r.Name.Length));
        var w2 = Math.Max(7, rows.Max(r => r.Version.Length));
        var w4 = Math.Max(8, rows.Max(r => r.Platform.Length));
        output.WriteLine($"{"NAME".PadRight(w1)}  {"VERSION".PadRight(w2)}  CONTRACT  {"PLATFORM".PadRight(w4)}  STATUS");
        foreach (var r in rows)
        {
            output.WriteLine($"{r.Name.PadRight(w1)}  {r.Version.PadRight(w2)}  {r.Contract,-8}  {r.Platform.PadRight(w4)}  {r.Status}");
        }

        if (verbose)
        {
            PrintSettings(output);
        }
    }

    private void PrintSettings(TextWriter output)
    {
        foreach (var plugin in _plugins.Where(p => p.IsLoaded))
        {
            var settings = Entries(plugin);
            output.WriteLine();
            if (settings.Count == 0)
            {
                output.WriteLine($"{plugin.Name}: no settings");
                continue;
            }

            output.WriteLine($"{plugin.Name} settings:");
            foreach (var s in settings)
            {
                var traits = new List<string> { TypeName(s.Type) };
                traits.Add(s.Default is { } fallback ? $"default {fallback}" : "no default");
                if (s.Secret)
                {
                    traits.Add("secret");
                }

                if (s.Recorded)
                {
                    traits.Add("recorded in pool.json");
                }

                traits.Add(s.Commands.Count > 0 ? $"for {string.Join(", ", s.Commands)}" : "for no command");
                output.WriteLine($"  {s.Name} ({string.Join(", ", traits)})");
                output.WriteLine($"    {s.Description}");
                output.WriteLine($"    flag: {s.Flag ?? $"none ({s.FlagNote})"}");
                output.WriteLine($"    variable: {s.EnvironmentVariable}");
                output.WriteLine($"    config.json: {s.ConfigKey}");
                var value = s.Secret
                    ? s.Set ? "set" : "unset"
                    : s.Value ?? "unset";
                output.WriteLine($"    value: {value}{(s.Source is { } source ? $" (from {SourceText(source, s)})" : "")}");
            }
        }
    }

    public void PrintJson(TextWriter output) =>
        output.WriteLine(JsonSerializer.Serialize(Document(), PluginsJsonContext.Readable.PluginsDocument));

    /// <summary>The JSON document as YAML (same keys and values).</summary>
    public void PrintYaml(TextWriter output)
    {
        using var json = JsonSerializer.SerializeToDocument(Document(), PluginsJsonContext.Readable.PluginsDocument);
        output.Write(Status.YamlWriter.Write(json.RootElement));
    }

    private PluginsDocument Document() =>
        new(
            PluginsDocument.CurrentSchemaVersion,
            _directory,
            _plugins.Select(p => new PluginEntry(
                p.Name,
                p.Version.Length > 0 ? p.Version : null,
                p.Contract is { } contract ? ContractReference.Show(contract) : null,
                p.Platform,
                p.IsLoaded ? PluginLoadStatus.Loaded : PluginLoadStatus.Skipped,
                p.Error,
                Entries(p))).ToList());

    private List<SettingEntry> Entries(DiscoveredPlugin plugin) =>
        _settings.Catalog.For(plugin.Name).Where(_ => plugin.IsLoaded).Select(setting =>
        {
            var (value, source) = _settings.Resolve(setting);
            var secret = setting.Setting.Secret;
            return new SettingEntry(
                setting.Name,
                setting.Setting.Description,
                setting.Setting.Type switch
                {
                    SettingType.WholeNumber => SettingKind.WholeNumber,
                    SettingType.Switch => SettingKind.Switch,
                    _ => SettingKind.Text,
                },
                secret ? null : setting.Setting.Default,
                secret,
                setting.IsRecorded,
                DeclaredSetting.CommandNames(setting.Setting.Commands),
                setting.Flag,
                setting.WhyNoFlag,
                setting.VariableName,
                setting.ConfigKey,
                secret ? null : value,
                value is not null,
                source switch
                {
                    SettingSource.Flag => ValueSource.Flag,
                    SettingSource.Environment => ValueSource.Environment,
                    SettingSource.ConfigFile => ValueSource.ConfigFile,
                    SettingSource.PoolJson => ValueSource.PoolJson,
                    SettingSource.Default => ValueSource.Default,
                    _ => null,
                });
        }).ToList();

    private static string TypeName(SettingKind kind) => kind switch
    {
        SettingKind.WholeNumber => "whole number",
        SettingKind.Switch => "true/false",
        _ => "text",
    };

    private static string SourceText(ValueSource source, SettingEntry s) => source switch
    {
        ValueSource.Flag => s.Flag ?? "flag",
        ValueSource.Environment => s.EnvironmentVariable,
        ValueSource.ConfigFile => $"config.json {s.ConfigKey}",
        ValueSource.PoolJson => "pool.json",
        _ => "default",
    };
}

/// <summary>The <c>plugins -o json</c> document (docs/plugins.schema.json).</summary>
internal sealed record PluginsDocument(int SchemaVersion, string Directory, IReadOnlyList<PluginEntry> Plugins)
{
    public const int CurrentSchemaVersion = 2;
}

/// <summary>One plugin folder: <c>contract</c>, <c>version</c> and <c>platform</c> are null when the plugin could not be read that far.</summary>
internal sealed record PluginEntry(
    string Name,
    string? Version,
    string? Contract,
    string? Platform,
    PluginLoadStatus Status,
    string? Error,
    IReadOnlyList<SettingEntry> Settings);

/// <summary>
/// One declared setting: its names (flag, or why none; variable; config key) and its current value with
/// where it came from. A secret's <c>value</c> and <c>default</c> are always null: <c>set</c> says whether it has one.
/// </summary>
internal sealed record SettingEntry(
    string Name,
    string Description,
    SettingKind Type,
    string? Default,
    bool Secret,
    bool Recorded,
    IReadOnlyList<string> Commands,
    string? Flag,
    string? FlagNote,
    string EnvironmentVariable,
    string ConfigKey,
    string? Value,
    bool Set,
    ValueSource? Source);

[JsonConverter(typeof(JsonStringEnumConverter<SettingKind>))]
internal enum SettingKind
{
    [JsonStringEnumMemberName("text")]
    Text,

    [JsonStringEnumMemberName("wholeNumber")]
    WholeNumber,

    [JsonStringEnumMemberName("switch")]
    Switch,
}

[JsonConverter(typeof(JsonStringEnumConverter<ValueSource>))]
internal enum ValueSource
{
    [JsonStringEnumMemberName("flag")]
    Flag,

    [JsonStringEnumMemberName("environment")]
    Environment,

    [JsonStringEnumMemberName("configFile")]
    ConfigFile,

    [JsonStringEnumMemberName("poolJson")]
    PoolJson,

    [JsonStringEnumMemberName("default")]
    Default,
}

[JsonConverter(typeof(JsonStringEnumConverter<PluginLoadStatus>))]
internal enum PluginLoadStatus
{
    [JsonStringEnumMemberName("loaded")]
    Loaded,

    [JsonStringEnumMemberName("skipped")]
    Skipped,
}

/// <summary>Source-generated serializer for the plugins document: camelCase keys, no reflection.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, WriteIndented = true)]
[JsonSerializable(typeof(PluginsDocument))]
internal sealed partial class PluginsJsonContext : JsonSerializerContext
{
    /// <summary>Minimal escaping: error messages stay readable (the output is never embedded in HTML).</summary>
    public static PluginsJsonContext Readable { get; } = new(new JsonSerializerOptions
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        WriteIndented = true,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    });
}
