using System.Net;
using System.Net.Sockets;

namespace CocoonNet.Node.Net;

/// <summary>
/// The VM subnets cocoon-net accepts from any source (flags, environment, config file, annotations, pool.json)
/// before anything looks at the live node: an IPv4 network between /8 and /30 outside the ranges a node can never
/// route to VMs. Routes and the local-route sweep act on the whole subnet, so a subnet that reaches into loopback,
/// link-local (the metadata server), multicast or "this network" would take the node's own addresses away.
/// </summary>
internal static class VmSubnetRules
{
    public const int ShortestPrefix = 8;
    public const int LongestPrefix = 30;

    /// <summary>Ranges no VM subnet may overlap, with the reason shown to the user.</summary>
    private static readonly (IPNetwork Range, string Name)[] Reserved =
    [
        (IPNetwork.Parse("0.0.0.0/8"), "0.0.0.0/8 (\"this network\")"),
        (IPNetwork.Parse("127.0.0.0/8"), "127.0.0.0/8 (loopback)"),
        (IPNetwork.Parse("169.254.0.0/16"), "169.254.0.0/16 (link-local, the metadata server)"),
        (IPNetwork.Parse("224.0.0.0/4"), "224.0.0.0/4 (multicast)"),
        (IPNetwork.Parse("240.0.0.0/4"), "240.0.0.0/4 (reserved and broadcast)"),
    ];

    /// <summary>
    /// Null when <paramref name="subnet"/> may be a VM subnet, else the end of a sentence saying why not
    /// (the caller names the source: "--subnet 127.0.0.0/8 ..." or "pool.json subnet ...").
    /// </summary>
    public static string? Problem(IPNetwork subnet)
    {
        if (subnet.BaseAddress.AddressFamily != AddressFamily.InterNetwork)
        {
            return "is not IPv4: only IPv4 is supported";
        }

        if (subnet.PrefixLength > LongestPrefix)
        {
            return $"is too small: use /{LongestPrefix} or shorter (a gateway plus at least one VM address)";
        }

        if (subnet.PrefixLength < ShortestPrefix)
        {
            return $"is too large: use /{ShortestPrefix} or longer";
        }

        foreach (var (range, name) in Reserved)
        {
            if (Overlaps(range, subnet))
            {
                return $"overlaps {name}: use a private range such as 10.0.0.0/8, 172.16.0.0/12 or 192.168.0.0/16";
            }
        }

        return null;
    }

    /// <summary>True when the two networks share at least one address.</summary>
    public static bool Overlaps(IPNetwork a, IPNetwork b) => a.Contains(b.BaseAddress) || b.Contains(a.BaseAddress);
}
