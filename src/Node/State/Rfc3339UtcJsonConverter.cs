using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace CocoonNet.Node.State;

/// <summary>
/// Go's RFC3339Nano in UTC, as upstream writes <c>updatedAt</c>: <c>2026-07-24T04:58:43.1234567Z</c>, trailing
/// zero digits trimmed. Reads any RFC 3339 time (upstream's 9-digit nanoseconds, offsets) as UTC.
/// </summary>
internal sealed class Rfc3339UtcJsonConverter : JsonConverter<DateTimeOffset>
{
    public static string Format(DateTimeOffset time)
    {
        var utc = time.UtcDateTime;
        var fraction = (utc.Ticks % TimeSpan.TicksPerSecond).ToString("D7", CultureInfo.InvariantCulture).TrimEnd('0');
        return utc.ToString("yyyy-MM-ddTHH:mm:ss", CultureInfo.InvariantCulture) + (fraction.Length > 0 ? "." + fraction : "") + "Z";
    }

    /// <summary>
    /// What cocoon-net writes (UTC, at most 7 fraction digits) by the reader itself, which is cheap; anything
    /// else RFC 3339 allows by the general parser, which rounds exactly but costs milliseconds on first use.
    /// </summary>
    public override DateTimeOffset Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader is { TokenType: JsonTokenType.String, ValueIsEscaped: false, ValueSpan: { Length: <= 28 } and [.., (byte)'Z'] }
            && reader.TryGetDateTimeOffset(out var time))
        {
            return time.ToUniversalTime();
        }

        if (reader.TokenType == JsonTokenType.Null)
        {
            return default;
        }

        if (reader.TokenType != JsonTokenType.String)
        {
            throw new PoolStateFormatException("expected an RFC 3339 time");
        }

        return DateTimeOffset.TryParse(reader.GetString(), CultureInfo.InvariantCulture,
            DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var parsed)
            ? parsed
            : throw new PoolStateFormatException("expected an RFC 3339 time");
    }

    public override void Write(Utf8JsonWriter writer, DateTimeOffset value, JsonSerializerOptions options) =>
        writer.WriteStringValue(Format(value));
}
