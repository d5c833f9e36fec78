using System.Text.Json;
using System.Text.Json.Nodes;
using Json.Schema;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace CocoonNet.Tests.Validation;

/// <summary>
/// The JSON schemas checked into docs/ (copied next to the tests) and a real validator for them. Kept out of
/// Support/, which the provider test projects compile too.
/// </summary>
internal static class Schemas
{
    public const string Status = "status.schema.json";
    public const string Plugins = "plugins.schema.json";

    private static readonly Dictionary<string, JsonSchema> Loaded = [];
    private static readonly Lock Gate = new();

    /// <summary>Fails with every violation (instance location and message) unless <paramref name="json"/> is valid.</summary>
    public static void AssertValid(string schema, string json)
    {
        using var document = JsonDocument.Parse(json);
        var result = Get(schema).Evaluate(document.RootElement, new EvaluationOptions
        {
            OutputFormat = OutputFormat.List,
            RequireFormatValidation = true,
        });
        var errors = (result.Details ?? []).Where(d => d.Errors is { Count: > 0 })
            .SelectMany(d => d.Errors!.Select(e => $"{d.InstanceLocation}: {e.Key}: {e.Value}"));
        Assert.True(result.IsValid, $"{schema} rejects the document:\n{string.Join('\n', errors)}\n{json}");
    }

    /// <summary>Fails unless <paramref name="json"/> is invalid: proves the schema is not vacuous.</summary>
    public static void AssertInvalid(string schema, string json)
    {
        using var document = JsonDocument.Parse(json);
        Assert.False(Get(schema).Evaluate(document.RootElement).IsValid, $"{schema} accepts:\n{json}");
    }

    /// <summary>
    /// Parses YAML with a real parser (YamlDotNet) into the JSON data model: double-quoted scalars are strings,
    /// plain scalars are YAML 1.2 core-schema null, booleans or numbers.
    /// </summary>
    public static JsonNode? YamlToJson(string yaml)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(yaml));
        Assert.Single(stream.Documents);
        return Convert(stream.Documents[0].RootNode);
    }

    private static JsonNode? Convert(YamlNode node) => node switch
    {
        YamlMappingNode map => new JsonObject(map.Children.Select(c =>
            KeyValuePair.Create(((YamlScalarNode)c.Key).Value!, Convert(c.Value)))),
        YamlSequenceNode sequence => new JsonArray(sequence.Children.Select(Convert).ToArray()),
        YamlScalarNode { Style: ScalarStyle.DoubleQuoted or ScalarStyle.SingleQuoted } s => JsonValue.Create(s.Value),
        YamlScalarNode s => s.Value switch
        {
            null or "null" or "~" or "" => null,
            "true" => JsonValue.Create(true),
            "false" => JsonValue.Create(false),
            var number => JsonNode.Parse(number!),
        },
        _ => throw new InvalidOperationException($"unexpected YAML node {node.NodeType}"),
    };

    private static JsonSchema Get(string name)
    {
        lock (Gate)
        {
            if (!Loaded.TryGetValue(name, out var schema))
            {
                Loaded[name] = schema = JsonSchema.FromText(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "schemas", name)));
            }

            return schema;
        }
    }
}
