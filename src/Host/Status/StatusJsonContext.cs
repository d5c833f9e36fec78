using System.Text.Json.Serialization;

namespace CocoonNet.Host.Status;

/// <summary>Source-generated serializer for the status document: no reflection at run time, camelCase keys.</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    WriteIndented = true,
    DefaultIgnoreCondition = JsonIgnoreCondition.Never)]
[JsonSerializable(typeof(StatusReport))]
[JsonSerializable(typeof(string))]
internal sealed partial class StatusJsonContext : JsonSerializerContext;
