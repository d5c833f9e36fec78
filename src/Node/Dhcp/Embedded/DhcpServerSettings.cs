using System.Net;

namespace CocoonNet.Node.Dhcp.Embedded;

/// <summary>
/// What the embedded server hands out: <paramref name="Server"/> is the gateway (cni0's address), which is also the
/// server identifier (option 54) and the router (option 3); <paramref name="Pool"/> the leasable addresses in order.
/// </summary>
internal sealed record DhcpServerSettings(
    IPAddress Server,
    IPNetwork Subnet,
    IReadOnlyList<IPAddress> Pool,
    IReadOnlyList<IPAddress> Dns,
    TimeSpan LeaseTime)
{
    /// <summary>How long an OFFER keeps its address for the client before another may get it (upstream's 60 s).</summary>
    public TimeSpan OfferHold { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// How long a released or expired address stays away from other MACs while anything else is free: a VM deleted and
    /// another created at once must not inherit the first one's address while stale ARP entries, conntrack flows or
    /// vk-cocoon's records still point at it.
    /// </summary>
    public TimeSpan Cooldown { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// How long a DECLINEd address is set aside. A decline means something else answered ARP for it (a guest with a
    /// static address, a VM that kept a stale one); 10 minutes lets that holder go away or be noticed without losing the
    /// address for good in a small pool, and is long against a client's DECLINE-DISCOVER retry of about 10 s.
    /// </summary>
    public TimeSpan DeclineHold { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>Option 26, sent only when set.</summary>
    public int? Mtu { get; init; }
}

/// <summary>A reply's bytes and where they go (RFC 2131 4.1).</summary>
internal sealed record DhcpReply(byte[] Payload, IPEndPoint Destination);
