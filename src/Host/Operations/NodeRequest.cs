using System.Net;
using CocoonNet.Abstractions;
using CocoonNet.Node.Leases;
using CocoonNet.Node.Net;
using CocoonNet.Node.State;

namespace CocoonNet.Host.Operations;

/// <summary>
/// The init/adopt flags as parsed: addresses are already addresses (System.CommandLine's custom parsers in
/// OptionValues refuse malformed ones at parse time, with the validator's own sentences).
/// </summary>
internal sealed record NodeInput(
    string? Platform,
    string? NodeName,
    IPNetwork? Subnet,
    int? PoolSize,
    IPAddress? Gateway,
    string? PrimaryNic,
    IReadOnlyList<IPAddress> Dns,
    string StateDirectory,
    bool DryRun,
    bool? ManageIptables,
    string SubnetSource = "--subnet")
{
    /// <summary><c>--dhcp</c>; null when not given (a re-run keeps the recorded backend).</summary>
    public DhcpBackend? Dhcp { get; init; }

    /// <summary><c>--lease-time</c> in seconds; null when not given (a re-run keeps the recorded one).</summary>
    public int? LeaseSeconds { get; init; }

    /// <summary>The isolation flags (<c>--vm-isolation</c>, <c>--drop-cidr</c>, <c>--mtu</c>, ...); each null when not given.</summary>
    public IsolationInput Isolation { get; init; } = IsolationInput.None;
}

/// <summary>
/// Validated init/adopt input: every value is well-formed and consistent. <see cref="SubnetSource"/> names where the
/// subnet came from (a flag, an annotation, pool.json) for the live check's message.
/// </summary>
internal sealed record NodeRequest(
    string? Platform,
    string NodeName,
    AddressPool Pool,
    int PoolSize,
    string? PrimaryNic,
    IReadOnlyList<IPAddress> Dns,
    string StateDirectory,
    bool DryRun,
    bool? ManageIptables,
    string SubnetSource = "--subnet")
{
    /// <summary><c>--dhcp</c>; null when not given (a re-run keeps the recorded backend).</summary>
    public DhcpBackend? Dhcp { get; init; }

    /// <summary><c>--lease-time</c> in seconds, within <see cref="PoolState.MinLeaseSeconds"/>..<see cref="PoolState.MaxLeaseSeconds"/>; null when not given.</summary>
    public int? LeaseSeconds { get; init; }

    /// <summary>The isolation flags, checked (IPv4, canonical, in range); each null when not given.</summary>
    public IsolationInput Isolation { get; init; } = IsolationInput.None;

    public IPNetwork Subnet => Pool.Subnet;

    /// <summary>
    /// pool.json's <c>dhcp</c> and <c>leaseSeconds</c> for this request: the flags when given, else what
    /// <paramref name="previous"/> recorded. Dnsmasq and the default lease time are recorded as absent, so files of
    /// nodes that never chose stay byte for byte what they were.
    /// </summary>
    public (string? Dhcp, int? LeaseSeconds) DhcpRecord(PoolState? previous)
    {
        var backend = Dhcp ?? previous?.DhcpBackend ?? DhcpBackend.Dnsmasq;
        var seconds = LeaseSeconds ?? previous?.LeaseSeconds;
        return (backend == DhcpBackend.Embedded ? DhcpBackends.EmbeddedName : null,
            seconds == (int)PoolState.DefaultLeaseTime.TotalSeconds ? null : seconds);
    }

    public IPAddress Gateway => Pool.Gateway;
}

/// <summary>Checks every input before anything changes; each failure is one actionable sentence.</summary>
internal static class NodeRequestValidator
{
    public const int DefaultInitPoolSize = 140;
    public const int DefaultAdoptPoolSize = 253;

    public static NodeRequest Validate(NodeInput input, int defaultPoolSize)
    {
        var nodeName = input.NodeName?.Trim() ?? "";
        if (nodeName.Length == 0)
        {
            throw new UsageException("--node-name is required (e.g. --node-name cocoon-pool)");
        }

        if (nodeName.Length > 63 || !Names.IsDnsLabel(nodeName))
        {
            throw new UsageException(
                $"--node-name \"{nodeName}\" is not a valid name: use 1-63 lower-case letters, digits and '-', starting and ending with a letter or digit");
        }

        var subnet = input.Subnet ?? throw new UsageException("--subnet is required (an IPv4 CIDR such as 172.20.100.0/24)");
        var pool = new AddressPool(subnet, CheckGateway(input.Gateway, subnet));
        var usable = pool.Count;
        int poolSize;
        if (input.PoolSize is { } requested)
        {
            if (requested < 1)
            {
                throw new UsageException($"--pool-size {requested} must be at least 1");
            }

            if (requested > usable)
            {
                throw new UsageException(
                    $"--pool-size {requested} does not fit --subnet {subnet}: it has {usable} addresses for VMs (network, broadcast and gateway excluded)");
            }

            poolSize = requested;
        }
        else
        {
            poolSize = (int)Math.Min(defaultPoolSize, usable);
        }

        var primaryNic = string.IsNullOrWhiteSpace(input.PrimaryNic) ? null : input.PrimaryNic.Trim();
        if (primaryNic is not null && !Names.IsInterfaceName(primaryNic))
        {
            throw new UsageException($"--primary-nic \"{primaryNic}\" is not a valid interface name");
        }

        var platform = string.IsNullOrWhiteSpace(input.Platform) ? null : input.Platform.Trim().ToLowerInvariant();
        if (string.IsNullOrWhiteSpace(input.StateDirectory))
        {
            throw new UsageException("--state-dir must not be empty");
        }

        if (input.LeaseSeconds is { } lease && lease is < PoolState.MinLeaseSeconds or > PoolState.MaxLeaseSeconds)
        {
            throw new UsageException(LeaseTimeRange(lease.ToString(System.Globalization.CultureInfo.InvariantCulture) + "s"));
        }

        IsolationInput.Check(input.Isolation, input.Dns);
        return new NodeRequest(platform, nodeName, pool, poolSize, primaryNic, input.Dns,
            Path.GetFullPath(input.StateDirectory), input.DryRun, input.ManageIptables, input.SubnetSource)
        {
            Dhcp = input.Dhcp,
            LeaseSeconds = input.LeaseSeconds,
            Isolation = input.Isolation,
        };
    }

    /// <summary>
    /// <c>--lease-time</c>: a whole number of seconds, minutes, hours or days (<c>3600s</c>, <c>30m</c>, <c>24h</c>,
    /// <c>7d</c>; a bare number is seconds), from dnsmasq's floor of 2 minutes to a year. Returns seconds.
    /// </summary>
    public static int ParseLeaseTime(string? text)
    {
        text = text?.Trim() ?? "";
        var digits = 0;
        while (digits < text.Length && char.IsAsciiDigit(text[digits]))
        {
            digits++;
        }

        long? scale = text[digits..] switch
        {
            "" or "s" => 1,
            "m" => 60,
            "h" => 3600,
            "d" => 86400,
            _ => null,
        };
        if (digits == 0 || scale is null
            || !long.TryParse(text[..digits], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var number))
        {
            throw new UsageException($"--lease-time {(text.Length == 0 ? "\"\"" : text)}: expected a duration such as 24h, 30m or 3600s");
        }

        var seconds = number > PoolState.MaxLeaseSeconds ? long.MaxValue : number * scale.Value;
        return seconds is < PoolState.MinLeaseSeconds or > PoolState.MaxLeaseSeconds ? throw new UsageException(LeaseTimeRange(text)) : (int)seconds;
    }

    private static string LeaseTimeRange(string text) =>
        $"--lease-time {text} is out of range: use 2m (dnsmasq's shortest) to 365d";

    public static IPNetwork ParseSubnet(string? text)
    {
        text = text?.Trim() ?? "";
        if (text.Length == 0)
        {
            throw new UsageException("--subnet is required (an IPv4 CIDR such as 172.20.100.0/24)");
        }

        var slash = text.IndexOf('/', StringComparison.Ordinal);
        if (slash < 0 || !Ipv4.TryParseStrict(text[..slash], out var address)
            || !int.TryParse(text[(slash + 1)..], System.Globalization.NumberStyles.None, null, out var prefix) || prefix > 32)
        {
            throw new UsageException(
                text.Contains(':', StringComparison.Ordinal)
                    ? $"--subnet {text}: only IPv4 is supported"
                    : $"--subnet {text} is not an IPv4 CIDR (expected a.b.c.d/len, e.g. 172.20.100.0/24)");
        }

        if (prefix > VmSubnetRules.LongestPrefix)
        {
            throw new UsageException($"--subnet {text} is too small: use /30 or shorter (a gateway plus at least one VM address)");
        }

        var network = new IPNetwork(Ipv4.FromUInt32(Ipv4.ToUInt32(address) & Ipv4.Mask(prefix)), prefix);
        if (!network.BaseAddress.Equals(address))
        {
            throw new UsageException($"--subnet {text} has host bits set; did you mean {network}?");
        }

        if (VmSubnetRules.Problem(network) is { } problem)
        {
            throw new UsageException($"--subnet {text} {problem}");
        }

        return network;
    }

    /// <summary>The gateway inside the subnet on a host address; null means the subnet's first host.</summary>
    private static IPAddress CheckGateway(IPAddress? gateway, IPNetwork subnet)
    {
        if (gateway is null)
        {
            return Ipv4.FirstHost(subnet);
        }

        var value = Ipv4.ToUInt32(gateway);
        if (!subnet.Contains(gateway))
        {
            throw new UsageException($"--gateway {gateway} is outside --subnet {subnet}");
        }

        if (value == Ipv4.Network(subnet) || value == Ipv4.Broadcast(subnet))
        {
            throw new UsageException($"--gateway {gateway} is the {(value == Ipv4.Network(subnet) ? "network" : "broadcast")} address of {subnet}; use a host address such as {Ipv4.FirstHost(subnet)}");
        }

        return gateway;
    }

    /// <summary>Comma-separated, trimmed, empty items dropped; each must be an IPv4 address.</summary>
    public static IReadOnlyList<IPAddress> ParseDns(string text)
    {
        var servers = new List<IPAddress>();
        foreach (var item in SplitTrim(text))
        {
            if (!Ipv4.TryParseStrict(item, out var address))
            {
                throw new UsageException($"--dns entry \"{item}\" is not an IPv4 address (use a comma-separated list such as 8.8.8.8,1.1.1.1)");
            }

            servers.Add(address);
        }

        return servers;
    }

    public static IReadOnlyList<string> SplitTrim(string text) =>
        text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
}
