using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace CocoonNet.Node.State;

/// <summary>
/// pool.json in upstream's exact form: two-space indent, upstream's key order, optional keys omitted when
/// empty, <c>ips</c> never omitted, RFC 3339 UTC timestamps with trailing zero digits trimmed, no trailing
/// newline, relaxed escaping (non-ASCII and <c>&lt;&gt;&amp;'+</c> as they are). Unknown keys are ignored on
/// read, so older and newer files load. Golden files in the tests hold the exact bytes.
/// </summary>
internal static class PoolStateJson
{
    /// <summary>
    /// The keys upstream tags <c>omitempty</c> (and cocoon-net's own optional ones): left out when null or
    /// empty. Every other key is always written. A key missing here is written even when empty: visible in
    /// the golden files, never a lost or skipped save.
    /// </summary>
    internal static readonly IReadOnlySet<string> OmittedWhenEmpty = new HashSet<string>(StringComparer.Ordinal)
    {
        "primaryNIC", "secondaryNICs", "eniIDs", "subnetID", "aliasRangeName", "dnsServers", "plugin", "pluginVersion",
        "dropInternalAccess", "dropCIDRs", "settings", "dhcp", "leaseSeconds", "vmIsolation", "antiSpoofing", "mtu", "cloud", "bridgeAddress", "iptablesFingerprint", "dhcpService", "directories",
        "bridgeMtu",
    };

    /// <summary>Ownership flags of the footprint added after upstream's form: left out while false, so older files stay as they were.</summary>
    internal static readonly IReadOnlySet<string> OmittedWhenFalse = new HashSet<string>(StringComparer.Ordinal) { "portSecurity" };

    private static readonly JsonSerializerOptions Options = new(PoolStateJsonContext.Default.Options)
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        TypeInfoResolver = PoolStateJsonContext.Default.WithAddedModifier(OmitEmpty),
    };

    private static readonly JsonTypeInfo<PoolState> TypeInfo = (JsonTypeInfo<PoolState>)Options.GetTypeInfo(typeof(PoolState));

    public static string Write(PoolState state) => JsonSerializer.Serialize(state, TypeInfo);

    public static PoolState Read(string json) => Read(System.Text.Encoding.UTF8.GetBytes(json));

    public static PoolState Read(ReadOnlySpan<byte> json) =>
        JsonSerializer.Deserialize(json, TypeInfo) ?? throw new PoolStateFormatException("expected a JSON object");

    /// <summary>Go's RFC3339Nano in UTC: <c>2026-07-24T04:58:43.1234567Z</c>, zero digits trimmed.</summary>
    public static string FormatTimestamp(DateTimeOffset time) => Rfc3339UtcJsonConverter.Format(time);

    private static void OmitEmpty(JsonTypeInfo type)
    {
        foreach (var property in type.Properties)
        {
            if (OmittedWhenEmpty.Contains(property.Name))
            {
                property.ShouldSerialize = static (_, value) => value switch
                {
                    null => false,
                    string text => text.Length > 0,
                    StringList list => list.Count > 0,
                    StateMap map => map.Count > 0,
                    _ => true,
                };
            }
            else if (OmittedWhenFalse.Contains(property.Name))
            {
                property.ShouldSerialize = static (_, value) => value is true;
            }
        }
    }
}
