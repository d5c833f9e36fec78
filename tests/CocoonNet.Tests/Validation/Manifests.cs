using System.Globalization;
using System.Text.Json.Nodes;
using CocoonNet.Tests.Support;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace CocoonNet.Tests.Validation;

/// <summary>One Kubernetes object of a manifest file, as the JSON the API server would receive.</summary>
internal sealed record ManifestObject(string File, JsonObject Json)
{
    public string Kind => (string)Json["kind"]!;

    public string Name => (string?)Json["metadata"]?["name"] ?? "";

    public string? Namespace => (string?)Json["metadata"]?["namespace"];

    public override string ToString() => $"{File}: {Kind}/{Name}";
}

/// <summary>
/// The Kubernetes manifests under deploy/kubernetes, read with a real YAML parser (YamlDotNet). Plain scalars
/// follow the YAML 1.2 core schema, as the API server's decoder does: true/false, null, integers; anything else
/// (including "0.1.0" or "20m") is a string, and quoted scalars are always strings.
/// </summary>
internal static class Manifests
{
    public static string Directory => Path.Combine(TestEnvironment.RepositoryRoot, "deploy", "kubernetes");

    public static string TeardownJob => Path.Combine(Directory, "teardown", "job.yaml");

    /// <summary>The admission policy's own kustomization (its own directory: a cluster older than 1.30 leaves it out).</summary>
    public static string AdmissionPolicyDirectory => Path.Combine(Directory, "admission-policy");

    /// <summary>Every document of every *.yaml directly in <paramref name="directory"/> (not its subdirectories).</summary>
    public static IReadOnlyList<ManifestObject> LoadDirectory(string directory) =>
        System.IO.Directory.GetFiles(directory, "*.yaml").Order(StringComparer.Ordinal).SelectMany(Load).ToList();

    public static IReadOnlyList<ManifestObject> Load(string file)
    {
        var stream = new YamlStream();
        using (var reader = new StreamReader(file))
        {
            stream.Load(reader);
        }

        return stream.Documents
            .Select(d => Convert(d.RootNode))
            .OfType<JsonObject>()
            .Select(json => new ManifestObject(Path.GetRelativePath(TestEnvironment.RepositoryRoot, file), json))
            .ToList();
    }

    /// <summary>The single object of <paramref name="kind"/> among <paramref name="objects"/>.</summary>
    public static ManifestObject Single(IEnumerable<ManifestObject> objects, string kind) => Assert.Single(objects, o => o.Kind == kind);

    public static JsonNode? Convert(YamlNode node) => node switch
    {
        YamlMappingNode map => new JsonObject(map.Children.Select(c =>
            KeyValuePair.Create(((YamlScalarNode)c.Key).Value!, Convert(c.Value)))),
        YamlSequenceNode sequence => new JsonArray(sequence.Children.Select(Convert).ToArray()),
        YamlScalarNode { Style: ScalarStyle.Plain } s => Plain(s.Value ?? ""),
        YamlScalarNode s => JsonValue.Create(s.Value),
        _ => throw new InvalidOperationException($"unexpected YAML node {node.NodeType}"),
    };

    private static JsonValue? Plain(string value) => value switch
    {
        "" or "null" or "~" or "Null" or "NULL" => null,
        "true" or "True" or "TRUE" => JsonValue.Create(true),
        "false" or "False" or "FALSE" => JsonValue.Create(false),
        _ when int.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var number) => JsonValue.Create(number),
        _ when long.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var large) => JsonValue.Create(large),
        _ => JsonValue.Create(value),
    };
}
