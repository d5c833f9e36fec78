using CocoonNet.Host.Pipeline;

namespace CocoonNet.Host.State;

/// <summary>
/// <c>pool.json</c>: upstream's schema (same keys, same order) plus what cocoon-net needs to re-run and
/// tear down safely: the mode, the plugin, the iptables choice and the host footprint. The JSON form is
/// in <see cref="PoolStateJson"/>.
/// </summary>
internal sealed record PoolState
{
    public string Platform { get; init; } = "";

    public string NodeName { get; init; } = "";

    public string Subnet { get; init; } = "";

    public string Gateway { get; init; } = "";

    public string? PrimaryNic { get; init; }

    public List<string>? SecondaryNics { get; init; }

    /// <summary>Never omitted; null while a provisioning run has not produced addresses yet.</summary>
    public List<string>? Ips { get; init; }

    public List<string>? EniIds { get; init; }

    public string? SubnetId { get; init; }

    public string? AliasRangeName { get; init; }

    public List<string>? DnsServers { get; init; }

    /// <summary><c>init</c> or <c>adopt</c>: adopted nodes never reach the cloud on teardown.</summary>
    public string Mode { get; init; } = "";

    public string? Plugin { get; init; }

    public string? PluginVersion { get; init; }

    // [settings slice, issue 9] The plugin's recorded settings (PluginSetting.Recorded, never secrets), by
    // setting name; pool.json records one plugin. Null when none. Used by later runs that do not give them.
    public Dictionary<string, string>? Settings { get; init; }

    public bool ManageIptables { get; init; }

    /// <summary>Provider-private resource facts (<c>CloudResources.Extra</c>).</summary>
    public Dictionary<string, string>? Cloud { get; init; }

    public HostFootprint Host { get; init; } = new();

    public DateTimeOffset UpdatedAt { get; init; }

    /// <summary>
    /// Nothing was provisioned under this state: no addresses, no cloud resource facts, no host footprint.
    /// What a first init that failed before its first cloud checkpoint left behind in earlier versions;
    /// adopt and teardown treat it as no state at all.
    /// </summary>
    public bool IsNeverProvisioned() =>
        (Ips is null || Ips.Count == 0)
        && (EniIds is null || EniIds.Count == 0)
        && SubnetId is null
        && AliasRangeName is null
        && (Cloud is null || Cloud.Count == 0)
        && Host.SameAs(new HostFootprint());

    public const string ModeInit = "init";
    public const string ModeAdopt = "adopt";

    /// <summary>
    /// Equal apart from <see cref="UpdatedAt"/>: decides whether pool.json needs writing. Compared field
    /// by field rather than by serializing both, which would put the JSON writer on every no-op run.
    /// </summary>
    public bool SameContentAs(PoolState other) =>
        Platform == other.Platform
        && NodeName == other.NodeName
        && Subnet == other.Subnet
        && Gateway == other.Gateway
        && PrimaryNic == other.PrimaryNic
        && Same(SecondaryNics, other.SecondaryNics)
        && Same(Ips, other.Ips)
        && Same(EniIds, other.EniIds)
        && SubnetId == other.SubnetId
        && AliasRangeName == other.AliasRangeName
        && Same(DnsServers, other.DnsServers)
        && Mode == other.Mode
        && Plugin == other.Plugin
        && PluginVersion == other.PluginVersion
        && SameMap(Settings, other.Settings) // [settings slice, issue 9]
        && ManageIptables == other.ManageIptables
        && SameMap(Cloud, other.Cloud)
        && Host.SameAs(other.Host);

    private static bool Same(List<string>? a, List<string>? b) =>
        a is null || b is null ? a is null && b is null : a.SequenceEqual(b, StringComparer.Ordinal);

    private static bool SameMap(Dictionary<string, string>? a, Dictionary<string, string>? b) =>
        a is null || b is null
            ? a is null && b is null
            : a.Count == b.Count && a.All(pair => b.TryGetValue(pair.Key, out var value) && value == pair.Value);
}
