using System.Text.Json;
using System.Text.Json.Serialization;

namespace CocoonNet.Node.State;

/// <summary>
/// <c>cloud</c> as a JSON object in ordinal key order: a string value as a string, a list as an array.
/// Both read back; a null value reads as "" (as before).
/// </summary>
internal sealed class StateMapJsonConverter : JsonConverter<StateMap>
{
    private static readonly StringListJsonConverter Lists = new();

    public override StateMap Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            throw new PoolStateFormatException("expected an object of strings and lists of strings");
        }

        var entries = new List<KeyValuePair<string, StateValue>>();
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var key = reader.GetString()!;
            reader.Read();
            var value = reader.TokenType switch
            {
                JsonTokenType.String => StateValue.Of(reader.GetString()!),
                JsonTokenType.Null => StateValue.Of(""),
                JsonTokenType.StartArray => StateValue.Of(Lists.Read(ref reader, typeof(StringList), options)),
                _ => throw new PoolStateFormatException("expected a string or a list of strings"),
            };
            entries.Add(new(key, value));
        }

        return StateMap.From(entries);
    }

    public override void Write(Utf8JsonWriter writer, StateMap value, JsonSerializerOptions options)
    {
        writer.WriteStartObject();
        foreach (var (key, entry) in value)
        {
            writer.WritePropertyName(key);
            if (entry.List is { } list)
            {
                Lists.Write(writer, list, options);
            }
            else
            {
                writer.WriteStringValue(entry.Text);
            }
        }

        writer.WriteEndObject();
    }
}
