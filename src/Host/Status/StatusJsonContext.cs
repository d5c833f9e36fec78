using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace CocoonNet.Host.Status;

/// <summary>Source-generated serializer for the status document: no reflection at run time, camelCase keys.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, WriteIndented = true)]
[JsonSerializable(typeof(StatusReport))]
[JsonSerializable(typeof(string))]
internal sealed partial class StatusJsonContext : JsonSerializerContext
{
    /// <summary>
    /// The context with minimal escaping: apostrophes, quotes-in-text and non-ASCII in problems and cloud values
    /// stay readable (the output is never embedded in HTML).
    /// </summary>
    public static StatusJsonContext Readable { get; } = new(new JsonSerializerOptions
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        WriteIndented = true,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    });
}
