using System.Globalization;
using System.Net;
using System.Net.Sockets;
using CocoonNet.Node.Net;
using CocoonNet.Node.State;

namespace CocoonNet.Host.Operations;

/// <summary>
/// The flags that keep VMs apart and say what they may reach: <c>--vm-isolation</c>, <c>--anti-spoofing</c>,
/// <c>--drop-internal-access</c>, <c>--drop-cidr</c> and <c>--mtu</c>. Each is null when not given: a re-run keeps
/// what pool.json records (see <see cref="Record"/>).
/// </summary>
/// <param name="VmIsolation"><c>--vm-isolation</c>.</param>
/// <param name="AntiSpoofing"><c>--anti-spoofing</c>.</param>
/// <param name="DropInternalAccess"><c>--drop-internal-access</c>.</param>
/// <param name="DropCidrs">Canonical, in the order given; empty for <c>--drop-cidr none</c> (clears the record).</param>
/// <param name="Mtu">The MTU, or <see cref="AutoMtu"/> for <c>--mtu auto</c> (follow the primary NIC again).</param>
internal sealed record IsolationInput(
    bool? VmIsolation = null,
    bool? AntiSpoofing = null,
    bool? DropInternalAccess = null,
    IReadOnlyList<IPNetwork>? DropCidrs = null,
    int? Mtu = null)
{
    /// <summary><c>--mtu auto</c>: not an MTU, the wish to drop a recorded one (no real MTU is 0).</summary>
    public const int AutoMtu = 0;

    /// <summary>The word that clears the recorded drop ranges.</summary>
    public const string NoDropCidrs = "none";

    public static IsolationInput None { get; } = new();

    /// <summary>
    /// pool.json's keys for this run: each flag when given, else what <paramref name="previous"/> recorded. Defaults
    /// (isolation and anti-spoofing on, no drops, the MTU following the primary NIC) are recorded as absent, so the
    /// files of nodes that never chose stay byte for byte what they were.
    /// </summary>
    public PoolState Record(PoolState state, PoolState? previous)
    {
        var drops = DropCidrs is { } given ? given.Select(c => c.ToString()).ToList() : (IReadOnlyList<string>?)previous?.DropCidrs ?? [];
        var mtu = Mtu is { } m ? (m == AutoMtu ? null : m) : previous?.Mtu;
        return state with
        {
            VmIsolation = (VmIsolation ?? previous?.VmIsolation) == false ? false : null,
            AntiSpoofing = (AntiSpoofing ?? previous?.AntiSpoofing) == false ? false : null,
            DropInternalAccess = (DropInternalAccess ?? previous?.DropInternalAccess) == true ? true : null,
            DropCidrs = drops.Count > 0 ? [.. drops] : null,
            Mtu = mtu,
        };
    }

    /// <summary>
    /// Drop rules live in cocoon-net's iptables chains: a node whose record (after this run) asks for drops but
    /// whose iptables are left alone would silently drop nothing. Null when the combination is fine.
    /// </summary>
    public string? UnmanagedDropRefusal(PoolState recorded)
    {
        if (recorded.ManageIptables || (recorded.DropInternalAccess != true && recorded.DropCidrs is not { Count: > 0 }))
        {
            return null;
        }

        var flag = DropCidrs is { Count: > 0 } ? "--drop-cidr" : DropInternalAccess == true ? "--drop-internal-access" : null;
        var asked = flag is null ? $"the recorded drop ranges ({Describe(recorded)}) need" : $"{flag} needs";
        var clear = flag is null ? "; or clear them with --drop-cidr none --drop-internal-access=false" : "";
        return $"add --manage-iptables: {asked} DROP rules in cocoon-net's iptables chains, and adopt leaves iptables alone by default{clear}";
    }

    /// <summary>The drops in words, for the refusal above: <c>own subnet 172.20.0.0/24, 10.0.0.0/8</c>, or <c>none</c>.</summary>
    public static string Describe(PoolState state)
    {
        var parts = new List<string>();
        if (state.DropInternalAccess == true)
        {
            parts.Add($"own subnet {state.Subnet}");
        }

        parts.AddRange(state.DropCidrs ?? []);
        return parts.Count > 0 ? string.Join(", ", parts) : "none";
    }

    /// <summary>Checks a programmatic input as the parsers check flags (the in-cluster start builds one), and against <paramref name="dns"/>.</summary>
    public static void Check(IsolationInput input, IReadOnlyList<IPAddress> dns)
    {
        if (input.Mtu is { } mtu && mtu != AutoMtu && mtu is < PoolState.MinMtu or > PoolState.MaxMtu)
        {
            throw new UsageException(MtuRange(mtu.ToString(CultureInfo.InvariantCulture)));
        }

        foreach (var range in input.DropCidrs ?? [])
        {
            CheckRange(range, range.ToString());
            // A DNS server the VMs are told to use must stay reachable, or every name lookup of every VM times out.
            if (dns.FirstOrDefault(range.Contains) is { } server)
            {
                throw new UsageException(
                    $"--drop-cidr {range} contains DNS server {server}, which DHCP gives the VMs: they could not resolve names (narrow the range, or change --dns)");
            }
        }
    }

    /// <summary><c>--mtu</c>: a number of bytes in range, or <c>auto</c> (<see cref="AutoMtu"/>).</summary>
    public static int ParseMtu(string? text)
    {
        text = text?.Trim() ?? "";
        if (text.Equals("auto", StringComparison.OrdinalIgnoreCase))
        {
            return AutoMtu;
        }

        if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var mtu))
        {
            throw new UsageException($"--mtu {(text.Length == 0 ? "\"\"" : text)}: expected a number of bytes such as 1460, or auto (the primary NIC's)");
        }

        return mtu is < PoolState.MinMtu or > PoolState.MaxMtu ? throw new UsageException(MtuRange(text)) : mtu;
    }

    private static string MtuRange(string text) =>
        $"--mtu {text} is out of range: use {PoolState.MinMtu} (IPv4's minimum) to {PoolState.MaxMtu} (jumbo frames), or auto";

    /// <summary>
    /// Every <c>--drop-cidr</c> value: one IPv4 range each (commas refused: upstream never splits them, so
    /// <c>a,b</c> is a typo for two flags), canonicalised as upstream does (<c>10.0.0.5/8</c> is <c>10.0.0.0/8</c>),
    /// duplicates dropped; <c>none</c> alone gives the empty list.
    /// </summary>
    public static IReadOnlyList<IPNetwork> ParseDropCidrs(IReadOnlyList<string> values)
    {
        var ranges = new List<IPNetwork>();
        foreach (var raw in values)
        {
            var text = raw.Trim();
            if (text.Equals(NoDropCidrs, StringComparison.OrdinalIgnoreCase))
            {
                if (values.Count > 1)
                {
                    throw new UsageException("--drop-cidr none clears the recorded ranges: give it alone");
                }

                return [];
            }

            var range = ParseDropCidr(text);
            if (!ranges.Contains(range))
            {
                ranges.Add(range);
            }
        }

        return ranges;
    }

    private static IPNetwork ParseDropCidr(string text)
    {
        if (text.Length == 0)
        {
            throw new UsageException("--drop-cidr \"\": give a range such as 10.0.0.0/8, or none to clear the recorded ranges");
        }

        if (text.Contains(',', StringComparison.Ordinal))
        {
            throw new UsageException($"--drop-cidr {text}: give --drop-cidr once per range (e.g. --drop-cidr 10.0.0.0/8 --drop-cidr 192.168.0.0/16)");
        }

        var slash = text.IndexOf('/', StringComparison.Ordinal);
        if (text.Contains(':', StringComparison.Ordinal))
        {
            throw new UsageException($"--drop-cidr {text}: only IPv4 is supported (VM traffic is IPv4; anti-spoofing drops IPv6 from VM ports)");
        }

        if (slash < 0 || !Ipv4.TryParseStrict(text[..slash], out var address)
            || !int.TryParse(text[(slash + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var prefix) || prefix > 32)
        {
            throw new UsageException($"--drop-cidr {text} is not an IPv4 CIDR (expected a.b.c.d/len, e.g. 10.0.0.0/8)");
        }

        var range = new IPNetwork(Ipv4.FromUInt32(Ipv4.ToUInt32(address) & Ipv4.Mask(prefix)), prefix);
        CheckRange(range, text);
        return range;
    }

    /// <summary>
    /// A range that would cut every VM off everything is refused (/0: no egress at all, surely a mistake). A range
    /// holding the VM subnet or its gateway is allowed, as upstream allows it (its docs suggest the fleet's VM
    /// supernet): the DROP sits in FORWARD, and traffic to the gateway address itself arrives on INPUT, so VMs keep
    /// their gateway (DHCP, ARP, the gateway's own services) and lose only the routed paths into the range.
    /// </summary>
    private static void CheckRange(IPNetwork range, string text)
    {
        if (range.BaseAddress.AddressFamily != AddressFamily.InterNetwork)
        {
            throw new UsageException($"--drop-cidr {text}: only IPv4 is supported");
        }

        if (range.PrefixLength == 0)
        {
            throw new UsageException($"--drop-cidr {text} is every address: VMs could reach nothing beyond the node; give the ranges to drop");
        }
    }
}
