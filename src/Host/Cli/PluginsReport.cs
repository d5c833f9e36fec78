using System.Text.Json;
using System.Text.Json.Serialization;
using CocoonNet.Host.Plugins;

namespace CocoonNet.Host.Cli;

/// <summary>What <c>cocoon-net plugins</c> prints: a table, or the typed document of docs/plugins.schema.json.</summary>
internal static class PluginsReport
{
    public static void Print(IReadOnlyList<DiscoveredPlugin> plugins, string directory, TextWriter output)
    {
        output.WriteLine($"plugins directory: {directory}");
        if (plugins.Count == 0)
        {
            output.WriteLine("no plugins found");
            return;
        }

        var rows = plugins.Select(p => (
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
    }

    public static void PrintJson(IReadOnlyList<DiscoveredPlugin> plugins, string directory, TextWriter output) =>
        output.WriteLine(JsonSerializer.Serialize(Document(plugins, directory), PluginsJsonContext.Readable.PluginsDocument));

    /// <summary>The JSON document as YAML (same keys and values).</summary>
    public static void PrintYaml(IReadOnlyList<DiscoveredPlugin> plugins, string directory, TextWriter output)
    {
        using var json = JsonSerializer.SerializeToDocument(Document(plugins, directory), PluginsJsonContext.Readable.PluginsDocument);
        output.Write(Status.YamlWriter.Write(json.RootElement));
    }

    private static PluginsDocument Document(IReadOnlyList<DiscoveredPlugin> plugins, string directory) =>
        new(
            PluginsDocument.CurrentSchemaVersion,
            directory,
            plugins.Select(p => new PluginEntry(
                p.Name,
                p.Version.Length > 0 ? p.Version : null,
                p.Contract is { } contract ? ContractReference.Show(contract) : null,
                p.Platform,
                p.IsLoaded ? PluginLoadStatus.Loaded : PluginLoadStatus.Skipped,
                p.Error)).ToList());
}

/// <summary>The <c>plugins -o json</c> document (docs/plugins.schema.json).</summary>
internal sealed record PluginsDocument(int SchemaVersion, string Directory, IReadOnlyList<PluginEntry> Plugins)
{
    public const int CurrentSchemaVersion = 2;
}

/// <summary>One plugin folder: <c>contract</c>, <c>version</c> and <c>platform</c> are null when the plugin could not be read that far.</summary>
internal sealed record PluginEntry(string Name, string? Version, string? Contract, string? Platform, PluginLoadStatus Status, string? Error);

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
