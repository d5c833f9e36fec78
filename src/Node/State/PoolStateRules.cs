using System.Net;
using CocoonNet.Abstractions;
using CocoonNet.Node.Net;
using CocoonNet.Node.Text;

namespace CocoonNet.Node.State;

/// <summary>
/// What a loaded pool.json must hold before anything acts on it: each field as strict as the flag or source it
/// was written from. The file is root's, but copied and older files are loaded too, and its values become
/// routes, iptables rules, dnsmasq directives and /proc/sys paths; a value that could not have come from a
/// valid run is refused, naming the field. Static rules only: whether the subnet suits the live node is the
/// operation's check.
/// </summary>
internal static class PoolStateRules
{
    /// <summary>Free-form strings a provider records (IDs, names): far longer than any cloud's identifiers.</summary>
    public const int MaxTextLength = 1024;

    private static readonly string[] Modes = ["", PoolState.ModeInit, PoolState.ModeAdopt];

    private static readonly string?[] DhcpServices = [null, "process", "systemd"];

    /// <summary>Null when <paramref name="state"/> may be acted on, else a clause naming the first bad field.</summary>
    public static string? Problem(PoolState state)
    {
        if (!PluginName.IsValid(state.Platform))
        {
            return Bad("platform", state.Platform, "is not a platform name (lower-case letters, digits and '-', starting with a letter)");
        }

        if (state.NodeName.Length > 63 || !Names.IsDnsLabel(state.NodeName))
        {
            return Bad("nodeName", state.NodeName, "is not a node name (1-63 lower-case letters, digits and '-', starting and ending with a letter or digit)");
        }

        if (!TryParseSubnet(state.Subnet, out var subnet))
        {
            return Bad("subnet", state.Subnet, "is not an IPv4 network (a.b.c.d/len with no host bits set)");
        }

        if (VmSubnetRules.Problem(subnet) is { } subnetProblem)
        {
            return Bad("subnet", state.Subnet, subnetProblem);
        }

        // Older files may lack the gateway: the subnet's first host is used then, so it is what the IPs must avoid.
        var gateway = Ipv4.FirstHost(subnet);
        if (state.Gateway.Length > 0)
        {
            if (!Ipv4.TryParseStrict(state.Gateway, out gateway))
            {
                return Bad("gateway", state.Gateway, "is not an IPv4 address");
            }

            if (!subnet.Contains(gateway))
            {
                return Bad("gateway", state.Gateway, $"is outside the subnet {subnet}");
            }

            if (HostRole(gateway, subnet) is { } role)
            {
                return Bad("gateway", state.Gateway, $"is the {role} address of {subnet}, not a host address");
            }
        }

        return Interface("primaryNIC", state.PrimaryNic)
            ?? Each("secondaryNICs", state.SecondaryNics, nic => Interface("secondaryNICs", nic))
            ?? Ips(state.Ips, new AddressPool(subnet, gateway))
            ?? Each("eniIDs", state.EniIds, id => Text("eniIDs", id))
            ?? Text("subnetID", state.SubnetId)
            ?? Text("aliasRangeName", state.AliasRangeName)
            ?? Each("dnsServers", state.DnsServers, dns => Ipv4.TryParseStrict(dns, out _) ? null : Bad("dnsServers", dns, "is not an IPv4 address"))
            ?? (Modes.Contains(state.Mode) ? null : Bad("mode", state.Mode, $"is not {PoolState.ModeInit} or {PoolState.ModeAdopt}"))
            ?? (string.IsNullOrEmpty(state.Plugin) || PluginName.IsValid(state.Plugin) ? null : Bad("plugin", state.Plugin, "is not a plugin name (lower-case letters, digits and '-', starting with a letter)"))
            ?? (string.IsNullOrEmpty(state.PluginVersion) || (ConfigText.IsToken(state.PluginVersion) && state.PluginVersion.Length <= 128)
                ? null
                : Bad("pluginVersion", state.PluginVersion, "is not a version (one word of at most 128 characters)"))
            ?? (Leases.DhcpBackends.TryParse(state.Dhcp, out _) ? null : Bad("dhcp", state.Dhcp ?? "", $"is not {Leases.DhcpBackends.DnsmasqName} or {Leases.DhcpBackends.EmbeddedName}"))
            ?? (state.LeaseSeconds is null or (>= PoolState.MinLeaseSeconds and <= PoolState.MaxLeaseSeconds)
                ? null
                : $"field \"leaseSeconds\" is {state.LeaseSeconds}, not a lease time between {PoolState.MinLeaseSeconds} seconds and a year")
            ?? Each("dropCIDRs", state.DropCidrs, DropCidr)
            ?? (state.Mtu is null or (>= PoolState.MinMtu and <= PoolState.MaxMtu)
                ? null
                : $"field \"mtu\" is {state.Mtu}, not an MTU between {PoolState.MinMtu} and {PoolState.MaxMtu}")
            ?? Settings(state.Settings)
            ?? Cloud(state.Cloud)
            ?? Host(state.Host);
    }

    /// <summary>A recorded drop range: IPv4 network/prefix in canonical form, never /0 (all egress), as <c>--drop-cidr</c> records it.</summary>
    private static string? DropCidr(string text) =>
        IPNetwork.TryParse(text, out var network) && network.BaseAddress.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork
            && network.ToString() == text && network.PrefixLength > 0
            ? null
            : Bad("dropCIDRs", text, "is not an IPv4 network in network/prefix form other than /0");

    private static string? Ips(StringList? ips, AddressPool pool)
    {
        if (ips is null)
        {
            return null;
        }

        // Counted before anything is parsed: a file of a million addresses is refused at once.
        if (ips.Count > pool.Count)
        {
            return $"field \"ips\" holds {ips.Count} addresses, more than the {pool.Count} the subnet {pool.Subnet} has for VMs";
        }

        // Integer math and no allocation per address: every command and every agent reconcile loads the file.
        var network = Ipv4.Network(pool.Subnet);
        var broadcast = Ipv4.Broadcast(pool.Subnet);
        var gateway = Ipv4.ToUInt32(pool.Gateway);
        var seen = new HashSet<uint>(ips.Count);
        foreach (var text in ips)
        {
            if (!TryParseAddress(text, out var ip))
            {
                return Bad("ips", text, "is not an IPv4 address");
            }

            var why = ip < network || ip > broadcast ? $"is outside the subnet {pool.Subnet}"
                : ip == network ? $"is the network address of {pool.Subnet}"
                : ip == broadcast ? $"is the broadcast address of {pool.Subnet}"
                : ip == gateway ? "is the gateway"
                : !seen.Add(ip) ? "is listed twice"
                : null;
            if (why is not null)
            {
                return Bad("ips", text, why);
            }
        }

        return null;
    }

    /// <summary>
    /// A strict dotted quad (as <see cref="Ipv4.TryParseStrict"/>: four parts of 1-3 digits, no leading zero, each at
    /// most 255) straight to its host-order value.
    /// </summary>
    private static bool TryParseAddress(string text, out uint value)
    {
        value = 0;
        uint part = 0;
        int digits = 0, dots = 0;
        foreach (var c in text)
        {
            if (c == '.')
            {
                if (digits == 0 || ++dots > 3)
                {
                    return false;
                }

                value = (value << 8) | part;
                (part, digits) = (0, 0);
            }
            else if (char.IsAsciiDigit(c) && digits < 3 && !(digits == 1 && part == 0))
            {
                part = (part * 10) + (uint)(c - '0');
                digits++;
                if (part > 255)
                {
                    return false;
                }
            }
            else
            {
                return false;
            }
        }

        value = (value << 8) | part;
        return dots == 3 && digits > 0;
    }

    private static string? Settings(StateMap? settings)
    {
        foreach (var (key, value) in settings ?? StateMap.Empty)
        {
            if (!PluginName.IsValid(key))
            {
                return Bad("settings", key, "is not a setting name (lower-case letters, digits and '-', starting with a letter)");
            }

            if (value.Text is not { } text)
            {
                return $"field \"settings\" entry {ConfigText.Quote(key)} is a list; settings are strings";
            }

            if (Text($"settings.{key}", text) is { } problem)
            {
                return problem;
            }
        }

        return null;
    }

    private static string? Cloud(StateMap? cloud)
    {
        foreach (var (key, value) in cloud ?? StateMap.Empty)
        {
            if (key.Length == 0 || Text("cloud", key) is not null)
            {
                return Bad("cloud", key, "is not a key (one line of at most 1024 characters)");
            }

            var problem = value.Text is { } text ? Text($"cloud.{key}", text) : Each($"cloud.{key}", value.List, item => Text($"cloud.{key}", item));
            if (problem is not null)
            {
                return problem;
            }
        }

        return null;
    }

    private static string? Host(HostFootprint host)
    {
        if (host.BridgeAddress is { Length: > 0 } address && !IsCidr(address))
        {
            return Bad("host.bridgeAddress", address, "is not an IPv4 address with its prefix length (a.b.c.d/len)");
        }

        if (host.BridgeOriginalMtu is { } bridgeMtu && bridgeMtu is < 68 or > 65535)
        {
            return Bad("host.bridgeMtu", bridgeMtu.ToString(System.Globalization.CultureInfo.InvariantCulture), "is not an MTU a link can have (68-65535)");
        }

        if (host.IptablesFingerprint is { Length: > 0 } fingerprint && !(ConfigText.IsToken(fingerprint) && fingerprint.Length <= 128))
        {
            return Bad("host.iptablesFingerprint", fingerprint, "is not a fingerprint cocoon-net writes");
        }

        if (!DhcpServices.Contains(host.DhcpService))
        {
            return Bad("host.dhcpService", host.DhcpService!, "is not process or systemd");
        }

        return Each("host.files", host.Files, file => HostPath("host.files", file))
            ?? Each("host.directories", host.Directories, directory => HostPath("host.directories", directory));
    }

    /// <summary>Teardown removes what these name: absolute, normalized (no <c>..</c>), never the root itself.</summary>
    private static string? HostPath(string field, string path) =>
        path.Length > 1 && path.Length <= 4096 && ConfigText.IsOneLine(path) && Path.IsPathRooted(path)
        && Path.GetFullPath(path) == path && !Path.EndsInDirectorySeparator(path)
            ? null
            : Bad(field, path, "is not an absolute, normalized path");

    private static string? Interface(string field, string? name) =>
        string.IsNullOrEmpty(name) || Names.IsInterfaceName(name)
            ? null
            : Bad(field, name, "is not an interface name (1-15 letters, digits, '_', '.', '@' or '-')");

    private static string? Text(string field, string? value) =>
        value is null || (value.Length <= MaxTextLength && ConfigText.IsOneLine(value))
            ? null
            : Bad(field, value, $"is not one line of at most {MaxTextLength} characters");

    private static string? Each(string field, IEnumerable<string>? items, Func<string, string?> check)
    {
        foreach (var item in items ?? [])
        {
            if (check(item) is { } problem)
            {
                return problem;
            }
        }

        return null;
    }

    private static string Bad(string field, string value, string why) => $"field \"{field}\" value {ConfigText.Quote(value)} {why}";

    /// <summary>"network" or "broadcast" when <paramref name="address"/> is one of those of <paramref name="subnet"/>.</summary>
    private static string? HostRole(IPAddress address, IPNetwork subnet) =>
        Ipv4.ToUInt32(address) is var value && value == Ipv4.Network(subnet) ? "network"
        : value == Ipv4.Broadcast(subnet) ? "broadcast"
        : null;

    private static bool TryParseSubnet(string text, out IPNetwork subnet)
    {
        subnet = default;
        var slash = text.IndexOf('/', StringComparison.Ordinal);
        if (slash < 0 || !Ipv4.TryParseStrict(text[..slash], out var address)
            || !int.TryParse(text.AsSpan(slash + 1), System.Globalization.NumberStyles.None, null, out var prefix) || prefix > 32)
        {
            return false;
        }

        if ((Ipv4.ToUInt32(address) & ~Ipv4.Mask(prefix)) != 0)
        {
            return false;
        }

        subnet = new IPNetwork(address, prefix);
        return true;
    }

    private static bool IsCidr(string text)
    {
        var slash = text.IndexOf('/', StringComparison.Ordinal);
        return slash > 0 && Ipv4.TryParseStrict(text[..slash], out _)
            && int.TryParse(text.AsSpan(slash + 1), System.Globalization.NumberStyles.None, null, out var prefix) && prefix <= 32;
    }
}
