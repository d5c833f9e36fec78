using System.Net;
using System.Net.Sockets;
using System.Text;
using CocoonNet.Node.Leases;
using CocoonNet.Node.Linux;
using CocoonNet.Node.Net;

namespace CocoonNet.Node.PortSecurity;

/// <summary>
/// The nftables table <c>bridge cocoon</c>: a VM port of cni0 sends only from its leased MAC and address. nftables'
/// bridge family over tc (one filter per port, re-attached per new port) or ebtables (linear rule lists, no sets, no
/// dynamic updates): one base chain sees every port, and the per-packet cost is a few set look-ups (hash, O(1)) however
/// many VMs the node runs.
/// <para>
/// The chain hooks bridge prerouting at priority filter (-200), which runs before the bridge learns the frame's source
/// MAC: a dropped spoof poisons no FDB entry, and it is before the frame is routed up to the node, so no neighbour entry
/// of the node's learns from it either. The kernel here has no <c>meta ibrname</c>, so cni0's ports are matched by name
/// (set <c>vm_ports</c>); the hook sees every bridge of the host, and any other bridge's ports pass untouched.
/// </para>
/// <para>
/// A port is bound to the MAC of the first frame it sends under a lease (dynamic sets the kernel fills from the packet
/// path, no user-space round trip): from then on that port sends only that MAC, and that MAC comes from no other port.
/// The agent keeps <c>leases</c> in step with the DHCP server and drops the bindings of a lease that ends or a port that
/// goes; the step never flushes the dynamic sets of a live table, so a re-run unbinds no running VM.
/// </para>
/// </summary>
internal static class PortSecurityRuleset
{
    /// <summary>The table's name; <see cref="Table"/> with its family, as nft commands name it.</summary>
    public const string TableName = "cocoon";

    public const string Table = "bridge " + TableName;
    public const string Chain = "vm-ports-in";
    public const string PortsSet = "vm_ports";
    public const string LeasesSet = "leases";
    public const string BoundPortsSet = "bound_ports";
    public const string BoundMacsSet = "bound_macs";
    public const string PortMacsSet = "port_macs";

    /// <summary>The hook's priority: <c>filter</c> in the bridge family, before the bridge's own learning and forwarding.</summary>
    public const int Priority = -200;

    /// <summary>Each set and its type, as nft declares it (and its JSON listing shows it, <c>" . "</c>-joined).</summary>
    public static readonly IReadOnlyList<(string Name, string Type, bool Dynamic)> Sets =
    [
        (PortsSet, "ifname", false),
        (LeasesSet, "ether_addr . ipv4_addr", false),
        (BoundPortsSet, "ifname", true),
        (BoundMacsSet, "ether_addr", true),
        (PortMacsSet, "ifname . ether_addr", true),
    ];

    private const string Bind = $"add @{BoundPortsSet} {{ iifname }} add @{BoundMacsSet} {{ ether saddr }} add @{PortMacsSet} {{ iifname . ether saddr }}";

    /// <summary>The chain's rules in order, each with why it is there.</summary>
    public static readonly IReadOnlyList<(string Rule, string Why)> Rules =
    [
        ($"iifname != @{PortsSet} accept", "not a VM port of cni0"),
        // A bound port sends from its own MAC only (its MAC is in port_macs with it); checked before DHCP's accept, so a
        // VM cannot renew, or ask for, a lease under another's MAC either.
        ($"iifname @{BoundPortsSet} iifname . ether saddr != @{PortMacsSet} counter drop", "bound port, other MAC"),
        // A MAC bound to one port is nobody's on another: the FDB entry of the VM it belongs to stays where it is.
        ($"iifname != @{BoundPortsSet} ether saddr @{BoundMacsSet} counter drop", "MAC bound to another port"),
        // ARP probes (RFC 5227: sender 0.0.0.0) a guest sends before it uses a fresh lease; they claim no address.
        ("ether type arp arp saddr ip 0.0.0.0 accept", "ARP probe"),
        // ARP for the leased address only, from the leased MAC in both the frame and the ARP sender field (a frame from a
        // leased MAC claiming another address, or the reverse, would otherwise rewrite the node's neighbour entry).
        ($"ether type arp ether saddr . arp saddr ip @{LeasesSet} arp saddr ether . arp saddr ip @{LeasesSet} {Bind} accept", "ARP of a lease, binds"),
        // DHCP before an address: DISCOVER and REQUEST from 0.0.0.0, client port to server port, nothing else.
        ("ether type ip ip saddr 0.0.0.0 udp sport 68 udp dport 67 accept", "DHCP from 0.0.0.0"),
        ($"ether type ip ether saddr . ip saddr @{LeasesSet} {Bind} accept", "IPv4 of a lease, binds"),
        // Everything else from a VM port: another address, IPv6 (no lease gives one), VLAN tags, other ethertypes.
        ("counter drop", "not leased"),
    ];

    /// <summary>
    /// What each rule's comment says: its reason and a hash of its text, so the step tells a live rule that is not this
    /// version's (or was edited) from its JSON listing without parsing nft's rendering of expressions, which varies
    /// between nft versions.
    /// </summary>
    public static readonly IReadOnlyList<string> Comments =
        Rules.Select(r => $"cocoon {Fnv1a.AddBlock(Fnv1a.Seed, r.Rule):x8}: {r.Why}").ToList();

    /// <summary>
    /// The whole table (leases as <c>mac . ip</c>, <see cref="Element(Lease)"/>), made from nothing in one transaction: any table of that name goes first (the <c>add</c> before
    /// <c>delete</c> makes the delete succeed when there is none).
    /// </summary>
    public static string Create(IEnumerable<string> ports, IEnumerable<string> leases)
    {
        var text = new StringBuilder();
        text.Append($"add table {Table}\ndelete table {Table}\n");
        text.Append($"table {Table} {{\n");
        foreach (var (name, type, dynamic) in Sets)
        {
            text.Append($"  set {name} {{ type {type};{(dynamic ? " flags dynamic;" : "")} }}\n");
        }

        text.Append($"  chain {Chain} {{\n    type filter hook prerouting priority {Priority}; policy accept;\n");
        for (var i = 0; i < Rules.Count; i++)
        {
            text.Append($"    {Rules[i].Rule} comment \"{Comments[i]}\"\n");
        }

        text.Append("  }\n}\n");
        AppendElements(text, PortsSet, ports.Select(Port));
        AppendElements(text, LeasesSet, leases);
        return text.ToString();
    }

    /// <summary>
    /// Brings a live table whose chain and sets have the right shape to this version's rules and the given ports and
    /// leases, in one transaction, leaving the dynamic binding sets as they are.
    /// </summary>
    public static string Update(bool rewriteRules, SetChange ports, SetChange leases)
    {
        var text = new StringBuilder();
        if (rewriteRules)
        {
            text.Append($"flush chain {Table} {Chain}\n");
            for (var i = 0; i < Rules.Count; i++)
            {
                text.Append($"add rule {Table} {Chain} {Rules[i].Rule} comment \"{Comments[i]}\"\n");
            }
        }

        AppendChange(text, PortsSet, ports, Port);
        AppendChange(text, LeasesSet, leases, e => e);
        return text.ToString();
    }

    public static string Delete() => $"delete table {Table}\n";

    /// <summary>
    /// Removes elements whether or not they are there: each is added first (a no-op when present), so the delete never
    /// fails the transaction. nft 1.0.6 has no <c>destroy</c>.
    /// </summary>
    public static void AppendRemoval(StringBuilder text, string set, IEnumerable<string> elements)
    {
        var list = elements.ToList();
        if (list.Count > 0)
        {
            AppendElements(text, set, list);
            text.Append($"delete element {Table} {set} {{ {string.Join(", ", list)} }}\n");
        }
    }

    public static void AppendElements(StringBuilder text, string set, IEnumerable<string> elements)
    {
        var list = elements.ToList();
        if (list.Count > 0)
        {
            text.Append($"add element {Table} {set} {{ {string.Join(", ", list)} }}\n");
        }
    }

    /// <summary>An element as listed (<c>name</c>, <c>mac</c>, <c>mac . ip</c>, <c>name . mac</c>) as nft input writes it.</summary>
    public static string Render(string set, string element) => set switch
    {
        PortsSet or BoundPortsSet => Port(element),
        PortMacsSet when Unbinding.Split(element) is var (port, mac) => $"{Port(port)} . {Mac(mac)}",
        BoundMacsSet => Mac(element),
        _ => element,
    };

    /// <summary>A port name as an <c>ifname</c> element (quoted: names may hold characters nft would parse).</summary>
    public static string Port(string name) =>
        Names.IsInterfaceName(name) ? $"\"{name}\"" : throw new ArgumentException($"\"{name}\" is not an interface name", nameof(name));

    /// <summary>A lease as a <c>leases</c> element: <c>mac . ip</c>.</summary>
    public static string Element(Lease lease) => Element(lease.Mac, lease.Ip);

    public static string Element(string mac, IPAddress ip) => $"{Mac(mac)} . {Ipv4(ip)}";

    public static string Mac(string mac) =>
        MacAddress.TryCanonical(mac, out var canonical) ? canonical : throw new ArgumentException($"\"{mac}\" is not a MAC address", nameof(mac));

    private static string Ipv4(IPAddress ip) =>
        ip.AddressFamily == AddressFamily.InterNetwork ? ip.ToString() : throw new ArgumentException($"{ip} is not an IPv4 address", nameof(ip));

    // Removed elements were read from the live set a moment ago: present, unless the agent took them meanwhile.
    private static void AppendChange(StringBuilder text, string set, SetChange change, Func<string, string> render)
    {
        AppendElements(text, set, change.Added.Select(render));
        AppendRemoval(text, set, change.Removed.Select(render));
    }
}

/// <summary>Elements to add to a set and to remove from it: port names, or leases as <c>mac . ip</c>.</summary>
internal sealed record SetChange(IReadOnlyList<string> Added, IReadOnlyList<string> Removed)
{
    public static readonly SetChange None = new([], []);

    public bool IsEmpty => Added.Count == 0 && Removed.Count == 0;

    /// <summary>What turns <paramref name="live"/> into <paramref name="desired"/>, each list in the desired/live order.</summary>
    public static SetChange Between(IEnumerable<string> desired, IEnumerable<string> live)
    {
        var want = desired.Distinct(StringComparer.Ordinal).ToList();
        var have = live.Distinct(StringComparer.Ordinal).ToList();
        var haveSet = have.ToHashSet(StringComparer.Ordinal);
        var wantSet = want.ToHashSet(StringComparer.Ordinal);
        return new SetChange(want.Where(w => !haveSet.Contains(w)).ToList(), have.Where(h => !wantSet.Contains(h)).ToList());
    }
}
