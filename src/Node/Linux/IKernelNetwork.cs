using System.Net;

namespace CocoonNet.Node.Linux;

/// <summary>
/// The kernel's links, addresses and IPv4 routes of the current network namespace. The pipeline's steps
/// read live state and apply changes only through this, so plans can be computed against a substitute.
/// </summary>
internal interface IKernelNetwork
{
    IReadOnlyList<LinkInfo> ListLinks();

    IReadOnlyList<AddressInfo> ListAddresses();

    /// <summary>IPv4 routes of one table (254 = main, 255 = local).</summary>
    IReadOnlyList<RouteInfo> ListRoutes(byte table);

    void CreateBridge(string name);

    void SetLinkUp(int index);

    void DeleteLink(int index);

    /// <summary>Sets a link's MTU (IFLA_MTU).</summary>
    void SetLinkMtu(int index, int mtu);

    /// <summary>Sets a link's MAC address (<c>aa:bb:cc:dd:ee:ff</c>); for a bridge, it then no longer follows its ports'.</summary>
    void SetLinkAddress(int index, string mac);

    /// <summary>
    /// Whether the link's MAC address was set explicitly (<c>addr_assign_type</c> 3, NET_ADDR_SET, which rtnetlink
    /// does not carry: read from sysfs); null when it cannot be told.
    /// </summary>
    bool? HasFixedAddress(string name);

    /// <summary>
    /// Sets or clears a bridge port's isolated flag (BR_ISOLATED), as <c>bridge link set dev X isolated on|off</c>.
    /// False when the link is gone or no bridge port any more (a VM deleted meanwhile): nothing to do.
    /// </summary>
    bool SetPortIsolated(int index, bool isolated);

    void AddAddress(int index, IPAddress address, int prefixLength);

    void DeleteAddress(int index, IPAddress address, int prefixLength);

    /// <summary>Creates or replaces every route in one batch; throws listing every failure.</summary>
    void ReplaceRoutes(IReadOnlyList<RouteInfo> routes);

    /// <summary>Deletes every route in one batch; routes already gone count as deleted.</summary>
    void DeleteRoutes(IReadOnlyList<RouteInfo> routes);
}

internal sealed record LinkInfo(string Name, int Index, string Mac, bool IsUp, string Kind, int MasterIndex)
{
    /// <summary>The link's MTU (IFLA_MTU); 0 when not read.</summary>
    public int Mtu { get; init; }

    /// <summary>Whether a bridge port carries BR_ISOLATED; null when the link is no bridge port or it was not said.</summary>
    public bool? Isolated { get; init; }
}

internal sealed record AddressInfo(int Index, IPAddress Address, int PrefixLength);

/// <summary>An IPv4 route; <paramref name="Gateway"/> is null for device routes.</summary>
internal sealed record RouteInfo(
    IPAddress Destination,
    int PrefixLength,
    int OutputIndex,
    byte Table,
    byte Protocol,
    byte Scope,
    byte Type,
    IPAddress? Gateway = null);

internal static class RouteConstants
{
    public const byte TableMain = 254;
    public const byte TableLocal = 255;
    public const byte ScopeUniverse = 0;
    public const byte ScopeLink = 253;
    public const byte ScopeHost = 254;
    public const byte TypeUnicast = 1;
    public const byte TypeLocal = 2;

    /// <summary>RTPROT_KERNEL: a route the kernel made itself, e.g. the local route of an address on a device.</summary>
    public const byte ProtocolKernel = 2;

    /// <summary>The loopback device's index, the same in every network namespace (the kernel's LOOPBACK_IFINDEX).</summary>
    public const int LoopbackIndex = 1;

    /// <summary>
    /// The routing protocol id that marks routes cocoon-net owns (<c>ip route show proto 204</c>), so
    /// re-runs and teardown touch only their own routes.
    /// </summary>
    public const byte ProtocolCocoonNet = 204;
}
