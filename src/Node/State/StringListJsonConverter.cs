using System.Text.Json;
using System.Text.Json.Serialization;

namespace CocoonNet.Node.State;

/// <summary>A <see cref="StringList"/> is a JSON array of strings; a null item reads as "" (as before).</summary>
internal sealed class StringListJsonConverter : JsonConverter<StringList>
{
    public override StringList Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType != JsonTokenType.StartArray)
        {
            throw new PoolStateFormatException("expected a list of strings");
        }

        var items = new List<string>();
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            items.Add(reader.TokenType switch
            {
                JsonTokenType.String => reader.GetString()!,
                JsonTokenType.Null => "",
                _ => throw new PoolStateFormatException("expected a list of strings"),
            });
        }

        return StringList.Create([.. items]);
    }

    public override void Write(Utf8JsonWriter writer, StringList value, JsonSerializerOptions options)
    {
        writer.WriteStartArray();
        foreach (var item in value)
        {
            writer.WriteStringValue(item);
        }

        writer.WriteEndArray();
    }
}
