using System.Text.Json.Serialization;
using CocoonNet.Host.Pipeline;

namespace CocoonNet.Host.State;

/// <summary>
/// <c>pool.json</c>: upstream's schema (same keys, same order) plus what cocoon-net needs to re-run and
/// tear down safely: the mode, the plugin, the iptables choice and the host footprint.
/// </summary>
internal sealed record PoolState
{
    [JsonPropertyName("platform")]
    public string Platform { get; init; } = "";

    [JsonPropertyName("nodeName")]
    public string NodeName { get; init; } = "";

    [JsonPropertyName("subnet")]
    public string Subnet { get; init; } = "";

    [JsonPropertyName("gateway")]
    public string Gateway { get; init; } = "";

    [JsonPropertyName("primaryNIC")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? PrimaryNic { get; init; }

    [JsonPropertyName("secondaryNICs")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public List<string>? SecondaryNics { get; init; }

    /// <summary>Never omitted; null while a provisioning run has not produced addresses yet.</summary>
    [JsonPropertyName("ips")]
    public List<string>? Ips { get; init; }

    [JsonPropertyName("eniIDs")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public List<string>? EniIds { get; init; }

    [JsonPropertyName("subnetID")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? SubnetId { get; init; }

    [JsonPropertyName("aliasRangeName")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? AliasRangeName { get; init; }

    [JsonPropertyName("dnsServers")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public List<string>? DnsServers { get; init; }

    /// <summary><c>init</c> or <c>adopt</c>: adopted nodes never reach the cloud on teardown.</summary>
    [JsonPropertyName("mode")]
    public string Mode { get; init; } = "";

    [JsonPropertyName("plugin")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Plugin { get; init; }

    [JsonPropertyName("pluginVersion")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? PluginVersion { get; init; }

    [JsonPropertyName("manageIptables")]
    public bool ManageIptables { get; init; }

    [JsonPropertyName("dhcpService")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? DhcpService { get; init; }

    /// <summary>Provider-private resource facts (<c>CloudResources.Extra</c>).</summary>
    [JsonPropertyName("cloud")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public Dictionary<string, string>? Cloud { get; init; }

    [JsonPropertyName("host")]
    public HostFootprint Host { get; init; } = new();

    [JsonPropertyName("updatedAt")]
    public DateTimeOffset UpdatedAt { get; init; }

    public const string ModeInit = "init";
    public const string ModeAdopt = "adopt";
}

[JsonSourceGenerationOptions(WriteIndented = true, PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(PoolState))]
internal sealed partial class PoolStateJsonContext : JsonSerializerContext;
