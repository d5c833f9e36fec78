using System.Net;
using CocoonNet.Node.Dhcp;

namespace CocoonNet.Node.Pipeline;

/// <summary>The desired host configuration: everything the steps need, nothing they must look up.</summary>
internal sealed record HostSpec(
    IPNetwork Subnet,
    IPAddress Gateway,
    IReadOnlyList<IPAddress> Ips,
    string PrimaryNic,
    IReadOnlyList<string> Uplinks,
    IReadOnlyList<IPAddress> Dns,
    bool ManageIptables,
    DhcpServiceMode ServiceMode)
{
    public const string Bridge = Net.Names.Bridge;

    /// <summary>Local-table routes inside the subnet the backend maintains on purpose (contract 2.2 <c>HostWatch</c>): kept.</summary>
    public IReadOnlyList<IPNetwork> KeptLocalRoutes { get; init; } = [];

    /// <summary>
    /// TCP ports of the agent's HTTP listener, which VMs on the bridge must not reach: the default port always
    /// (one-shot commands do not know the agent's <c>--listen</c>), and the agent's own when it reconciles.
    /// </summary>
    public IReadOnlyList<int> AgentPorts { get; init; } = [DefaultAgentPort];

    public const int DefaultAgentPort = 9092;

    /// <summary>Who answers DHCP on cni0: dnsmasq-cni, or the agent's embedded server (then dnsmasq-cni is not ours to run).</summary>
    public Leases.DhcpBackend Backend { get; init; } = Leases.DhcpBackend.Dnsmasq;

    /// <summary>The lease time both backends give (option 51).</summary>
    public TimeSpan LeaseTime { get; init; } = State.PoolState.DefaultLeaseTime;

    /// <summary>
    /// The embedded server's <c>leases.json</c> (<c>&lt;state-dir&gt;/leases.json</c>): in embedded mode the routes step
    /// routes only the addresses leased there. Null when the target has no state directory (a test's spec): no lease.
    /// </summary>
    public string? LeaseFile { get; init; }

    /// <summary>
    /// Same-node isolation (<c>--vm-isolation</c>): every VM port on cni0 carries BR_ISOLATED, and routed traffic from
    /// cni0 back into cni0 is dropped.
    /// </summary>
    public bool VmIsolation { get; init; } = true;

    /// <summary>Anti-spoofing (<c>--anti-spoofing</c>): VM ports send only from their leased MAC and address (nftables <c>bridge cocoon</c>).</summary>
    public bool AntiSpoofing { get; init; } = true;

    /// <summary><c>--drop-internal-access</c>: VMs' routed traffic to <see cref="Subnet"/> is dropped.</summary>
    public bool DropInternalAccess { get; init; }

    /// <summary><c>--drop-cidr</c>: ranges VMs' routed traffic may not reach, canonical, in the order given.</summary>
    public IReadOnlyList<IPNetwork> DropCidrs { get; init; } = [];

    /// <summary>
    /// The MTU recorded by <c>--mtu</c>, or null when cni0 follows the primary NIC's MTU (read live when planning).
    /// </summary>
    public int? MtuOverride { get; init; }

    /// <summary>
    /// The effective MTU of cni0 and its VMs (<see cref="MtuOverride"/>, else the primary NIC's live MTU), set by
    /// <c>NodeTarget.WithMtu</c>, the one place that decides it; null when unknown: cni0's MTU is left as it is and
    /// neither the conflist nor DHCP names one.
    /// </summary>
    public int? Mtu { get; init; }

    /// <summary>The primary NIC and the backend's uplinks, de-duplicated, in order.</summary>
    public IReadOnlyList<string> ForwardingNics =>
        new[] { PrimaryNic }.Concat(Uplinks).Where(n => n.Length > 0 && n != Bridge).Distinct().ToList();
}

/// <summary>How the dnsmasq-cni DHCP service is run.</summary>
internal enum DhcpServiceMode
{
    Process,
    Systemd,
}

/// <summary>The DHCP service a <see cref="DhcpServiceMode"/> names.</summary>
internal static class DhcpServiceModes
{
    public static IDhcpService For(this DhcpServices services, DhcpServiceMode mode) =>
        services.For(mode == DhcpServiceMode.Systemd ? "systemd" : "process");
}
