using System.Text.Json;
using System.Text.Json.Serialization;
using CocoonNet.Node.Leases;

namespace CocoonNet.Host.Agent.Leases;

/// <summary>
/// <c>GET /v1/leases</c>'s body: <c>{"schemaVersion":1,"leases":[{"mac","ip","expiry"}]}</c>, rows as leases.json
/// writes them. Versioned, unlike leases.json (upstream's format, which vk-cocoon reads as a bare array).
/// </summary>
internal static class LeaseListJson
{
    public const int SchemaVersion = 1;

    public static byte[] Render(IReadOnlyList<Lease> leases) => JsonSerializer.SerializeToUtf8Bytes(
        new LeaseList(SchemaVersion, [.. leases.Select(l => new LeaseRow(l.Mac, l.Ip.ToString(), LeaseFile.FormatExpiry(l.Expiry)))]),
        LeaseListJsonContext.Default.LeaseList);
}

internal sealed record LeaseList(
    [property: JsonPropertyName("schemaVersion")] int SchemaVersion,
    [property: JsonPropertyName("leases")] LeaseRow[] Leases);

/// <summary>The list's source-generated serializer metadata (no reflection).</summary>
[JsonSourceGenerationOptions(GenerationMode = JsonSourceGenerationMode.Metadata)]
[JsonSerializable(typeof(LeaseList))]
internal sealed partial class LeaseListJsonContext : JsonSerializerContext;
