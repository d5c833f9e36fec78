using System.Net;
using CocoonNet.Abstractions;
using CocoonNet.Node.Net;

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
    string SubnetSource = "--subnet");

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
    public IPNetwork Subnet => Pool.Subnet;

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

        return new NodeRequest(platform, nodeName, pool, poolSize, primaryNic, input.Dns,
            Path.GetFullPath(input.StateDirectory), input.DryRun, input.ManageIptables, input.SubnetSource);
    }

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
