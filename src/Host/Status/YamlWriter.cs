using System.Text;
using System.Text.Json;

namespace CocoonNet.Host.Status;

/// <summary>
/// Block-style YAML of a JSON document, for <c>-o yaml</c>: the same data and keys as <c>-o json</c>. Scalars are
/// written in their JSON form (a JSON string is a valid YAML double-quoted scalar; numbers, true, false and null
/// mean the same in YAML 1.2), so no value can be misread as another type. A dependency would add start-up
/// cost to every command for about forty lines.
/// </summary>
internal static class YamlWriter
{
    public static string Write(JsonElement root)
    {
        var text = new StringBuilder();
        if (root.ValueKind is JsonValueKind.Object or JsonValueKind.Array && HasItems(root))
        {
            Block(text, root, 0);
        }
        else
        {
            text.Append(Scalar(root)).Append('\n');
        }

        return text.ToString();
    }

    private static void Block(StringBuilder text, JsonElement node, int indent)
    {
        var pad = new string(' ', indent);
        if (node.ValueKind == JsonValueKind.Object)
        {
            foreach (var property in node.EnumerateObject())
            {
                text.Append(pad).Append(Key(property.Name)).Append(':');
                Value(text, property.Value, indent + 2);
            }
        }
        else
        {
            foreach (var item in node.EnumerateArray())
            {
                text.Append(pad).Append('-');
                Value(text, item, indent + 2);
            }
        }
    }

    private static void Value(StringBuilder text, JsonElement value, int indent)
    {
        if (value.ValueKind is JsonValueKind.Object or JsonValueKind.Array && HasItems(value))
        {
            text.Append('\n');
            Block(text, value, indent);
        }
        else
        {
            text.Append(' ').Append(Scalar(value)).Append('\n');
        }
    }

    private static bool HasItems(JsonElement node) =>
        node.ValueKind == JsonValueKind.Object ? node.EnumerateObject().Any() : node.GetArrayLength() > 0;

    /// <summary>Empty containers as flow <c>{}</c>/<c>[]</c>; everything else in its JSON spelling.</summary>
    private static string Scalar(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.Object => "{}",
        JsonValueKind.Array => "[]",
        _ => value.GetRawText(),
    };

    /// <summary>Keys are camelCase identifiers; anything else is quoted.</summary>
    private static string Key(string name) =>
        name.Length > 0 && name.All(char.IsAsciiLetterOrDigit) && char.IsAsciiLetter(name[0]) ? name : JsonSerializer.Serialize(name, StatusJsonContext.Readable.String);
}
