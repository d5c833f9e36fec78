using System.Text.Json.Serialization;

namespace CocoonNet.Host.Status;

/// <summary>
/// What <c>cocoon-net status</c> reports, typed for machines: the document behind <c>-o json</c> and
/// <c>-o yaml</c>, described by docs/status.schema.json. Bump <see cref="CurrentSchemaVersion"/> (and the
/// schema) on any change that is not a pure addition.
/// </summary>
internal sealed record StatusReport(
    int SchemaVersion,
    bool Healthy,
    IReadOnlyList<string> Problems,
    NodeSection Node,
    IpsSection Ips,
    BridgeSection Bridge,
    RoutesSection Routes,
    IptablesSection Iptables,
    DhcpSection Dhcp,
    CniSection Cni,
    CloudSection? Cloud,
    StateSection State,
    AgentSection? Agent = null,
    LeasesSection? Leases = null,
    IReadOnlyList<string>? Notes = null,
    PortSecuritySection? PortSecurity = null)
{
    public const int CurrentSchemaVersion = 1;
}

/// <summary>How the node was configured: <c>init</c> (cloud provisioned by cocoon-net) or <c>adopt</c>.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<NodeMode>))]
internal enum NodeMode
{
    [JsonStringEnumMemberName("init")]
    Init,

    [JsonStringEnumMemberName("adopt")]
    Adopt,
}

/// <summary>Who runs dnsmasq-cni.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<DhcpMode>))]
internal enum DhcpMode
{
    [JsonStringEnumMemberName("process")]
    Process,

    [JsonStringEnumMemberName("systemd")]
    Systemd,
}

/// <summary>pool.json's description of the node.</summary>
internal sealed record NodeSection(
    string Platform,
    string NodeName,
    NodeMode Mode,
    string Subnet,
    string Gateway,
    string? PrimaryNic,
    string? Plugin,
    string? PluginVersion,
    string UpdatedAt)
{
    /// <summary>Recorded <c>--vm-isolation</c> (the live ports are judged elsewhere).</summary>
    public bool VmIsolation { get; init; } = true;

    /// <summary>Recorded <c>--anti-spoofing</c>.</summary>
    public bool AntiSpoofing { get; init; } = true;

    /// <summary>Recorded <c>--drop-internal-access</c>: VMs' routed traffic to the node's own VM subnet is dropped.</summary>
    public bool DropInternalAccess { get; init; }

    /// <summary>Recorded <c>--drop-cidr</c> ranges, canonical, in rule order.</summary>
    public IReadOnlyList<string> DropCidrs { get; init; } = [];

    /// <summary>Recorded <c>--mtu</c>; null when cni0 follows the primary NIC's MTU.</summary>
    public int? Mtu { get; init; }
}

/// <summary>The VM addresses in the pool; first and last in address order, null when the pool is empty.</summary>
internal sealed record IpsSection(int Count, string? First, string? Last);

/// <summary>The bridge cni0 and the gateway address on it (<c>address</c> is the expected one, CIDR form).</summary>
internal sealed record BridgeSection(string Name, bool Present, bool Up, bool AddressPresent, string Address)
{
    /// <summary>cni0's MTU against the effective one; null where no status read it (older callers).</summary>
    public MtuSection? Mtu { get; init; }

    /// <summary>BR_ISOLATED on cni0's VM ports against <c>--vm-isolation</c>; null where no status read it.</summary>
    public IsolationSection? Isolation { get; init; }
}

/// <summary>
/// The MTU cni0 should have (<c>expected</c>; null when nothing is recorded and the primary NIC is not there to ask),
/// where that comes from (<c>source</c>: <c>--mtu</c>, or <c>primary NIC ens4</c>), and what it has (null: no cni0).
/// </summary>
internal sealed record MtuSection(int? Expected, string Source, int? Actual);

/// <summary>
/// Same-node isolation: whether it is on, how many VM ports cni0 has, how many carry BR_ISOLATED, and the ports
/// whose flag is not what the setting asks (<c>mismatched</c>, by name).
/// </summary>
internal sealed record IsolationSection(bool Enabled, int Ports, int Isolated, IReadOnlyList<string> Mismatched);

/// <summary>/32 routes to the pool's addresses via cni0 in the main table.</summary>
internal sealed record RoutesSection(int Present, int Expected);

/// <summary>
/// cocoon-net's chains (COCOON-NET-FORWARD, -INPUT, -POSTROUTING) and the jumps to them. <c>present</c> is null
/// when the rules could not be read; rules are judged only when <c>managed</c>.
/// </summary>
internal sealed record IptablesSection(bool Managed, bool? Present, IReadOnlyList<string> MissingChains)
{
    /// <summary>
    /// The VM policy rules COCOON-NET-FORWARD lacks while the chain itself is there: <c>drop CIDR</c> for a drop
    /// range, <c>drop cni0 -&gt; cni0</c> for the isolation hairpin rule. Empty when all are in place or not judged.
    /// </summary>
    public IReadOnlyList<string> MissingRules { get; init; } = [];
}

/// <summary>
/// Anti-spoofing: the nftables table <c>bridge cocoon</c>. <c>present</c> is null when nft could not be asked (then
/// <c>error</c> says why); the rest is judged only when <c>enabled</c> and the table is there.
/// </summary>
/// <param name="Enabled">pool.json's anti-spoofing choice.</param>
/// <param name="Present">Whether the table is there.</param>
/// <param name="ChainIntact">Whether its chain hooks bridge prerouting with this version's rules, and its sets are there.</param>
/// <param name="VmPorts">Ports in set <c>vm_ports</c>.</param>
/// <param name="Leases">Leases in set <c>leases</c>.</param>
/// <param name="LeasesOutOfStep">leases.json's leases missing from the set plus set elements leases.json does not hold.</param>
/// <param name="Dropped">Frames from VM ports the table has dropped since it was made.</param>
/// <param name="Error">Why nft could not be asked; null when it could.</param>
internal sealed record PortSecuritySection(
    bool Enabled, bool? Present, bool ChainIntact, int VmPorts, int Leases, int LeasesOutOfStep, long Dropped, string? Error);

/// <summary>dnsmasq-cni. <c>logFile</c> is null in systemd mode (dnsmasq logs to the journal there).</summary>
internal sealed record DhcpSection(
    DhcpMode? Mode,
    bool Running,
    int? Pid,
    string ConfigFile,
    bool ConfigPresent,
    string LeaseFile,
    int ActiveLeases,
    string? LogFile,
    string Backend = Node.Leases.DhcpBackends.DnsmasqName);

/// <summary>
/// The lease table other programs read (vk-cocoon): <c>leases.json</c> and the agent's control socket, in both
/// backends. <c>active</c> counts the pool's addresses whose lease has not expired; <c>error</c> says why the file
/// could not be read (then <c>active</c> is 0).
/// </summary>
internal sealed record LeasesSection(string File, bool Present, int Active, string? Error, string ControlSocket, bool ControlSocketPresent);

/// <summary>The CNI network definition the VMs' runtime reads.</summary>
internal sealed record CniSection(string Conflist, bool Present);

/// <summary>
/// Live cloud facts of an init node. Provider-defined: <c>fields</c> are the provider's own label/value pairs
/// (their labels are display text, not keys). <c>available</c> is false when the provider could not be asked
/// (or said it could not reach the cloud). <c>drift</c>: one line per thing that differs from what provisioning
/// recorded (contract 2.2), empty when the cloud matches or could not be asked.
/// </summary>
internal sealed record CloudSection(string Provider, bool Available, string? Error, IReadOnlyList<CloudField> Fields, IReadOnlyList<string> Drift);

/// <summary>One provider-defined cloud fact.</summary>
internal sealed record CloudField(string Label, string Value);

/// <summary>Where the node's state lives.</summary>
internal sealed record StateSection(string Path);

/// <summary>
/// The agent serving the node (null when none runs): who it is and how the node fared under it. The cloud fields
/// are its last cloud check: <c>cloudDriftLines</c> what differed, <c>cloudReachable</c> false when it could not ask.
/// </summary>
internal sealed record AgentSection(
    int Pid,
    string Started,
    string Mode,
    bool UnderSystemd,
    AgentReconcileSection? LastReconcile,
    int Repairs,
    int DhcpRestarts,
    bool? CloudDrift,
    IReadOnlyList<string> CloudDriftLines,
    bool? CloudReachable,
    IReadOnlyList<AgentHeldSection> Held);

/// <summary>A host object the agent leaves alone until <c>until</c>, because something keeps changing it back.</summary>
internal sealed record AgentHeldSection(string Object, string Until);

/// <summary>The agent's last reconcile: when, <c>full</c> or <c>repair</c>, and its error when it failed.</summary>
internal sealed record AgentReconcileSection(string Time, string Kind, bool Ok, string? Error);
