using System.CommandLine;
using System.Net;
using CocoonNet.Host.Operations;
using CocoonNet.Node.State;

namespace CocoonNet.Host.Cli;

/// <summary>Every flag of the CLI, defined once.</summary>
internal sealed class CliOptions
{
    /// <summary>The fixed values of the enumerated flags (System.CommandLine's AcceptOnlyFromAmong; ParseErrorMessage words the refusal).</summary>
    public static readonly IReadOnlyDictionary<string, string[]> Choices = new Dictionary<string, string[]>(StringComparer.Ordinal)
    {
        ["--output"] = ["text", "json", "yaml"],
        ["--service-manager"] = ["auto", "systemd", "process"],
        ["--mode"] = ["init", "adopt"],
        ["--dhcp"] = [Node.Leases.DhcpBackends.DnsmasqName, Node.Leases.DhcpBackends.EmbeddedName],
    };

    public CliOptions()
    {
        Output.AcceptOnlyFromAmong(Choices["--output"]);
        ServiceManager.AcceptOnlyFromAmong(Choices["--service-manager"]);
        Dhcp.AcceptOnlyFromAmong(Choices["--dhcp"]);
    }

    public Option<string?> Platform { get; } = new("--platform")
    {
        Description = "Cloud platform (a loaded plugin's platform, e.g. gke, volcengine, generic); auto-detected from instance metadata if omitted",
    };

    public Option<string?> NodeName { get; } = new("--node-name")
    {
        Description = "Virtual node name (e.g. cocoon-pool)",
        Required = true,
    };

    public Option<IPNetwork?> Subnet { get; } = new("--subnet")
    {
        Description = "VM subnet CIDR (e.g. 172.20.100.0/24)",
        Required = true,
        CustomParser = OptionValues.Subnet,
        HelpName = "CIDR",
    };

    public Option<int?> PoolSize { get; } = new("--pool-size")
    {
        Description = $"Number of IPs in the pool (default {NodeRequestValidator.DefaultInitPoolSize} for init, {NodeRequestValidator.DefaultAdoptPoolSize} for adopt, capped to the subnet)",
        CustomParser = OptionValues.WholeNumber,
    };

    public Option<IPAddress?> Gateway { get; } = new("--gateway")
    {
        Description = "Gateway IP on cni0 (default: first IP in subnet)",
        CustomParser = OptionValues.Gateway,
        HelpName = "IP",
    };

    public Option<string?> PrimaryNic { get; } = new("--primary-nic")
    {
        Description = "Host primary NIC (default: device of the default route, else the platform's: ens4 on GKE, eth0 on Volcengine)",
    };

    /// <summary>Upstream's DHCP DNS servers when --dns is not given.</summary>
    public static readonly IReadOnlyList<IPAddress> DefaultDns = [new IPAddress([8, 8, 8, 8]), new IPAddress([1, 1, 1, 1])]; // no parser on the start-up path

    /// <summary>Null when not given (<see cref="DefaultDns"/>); no DefaultValueFactory, whose help text would read "8.8.8.8|1.1.1.1".</summary>
    public Option<IReadOnlyList<IPAddress>?> Dns { get; } = new("--dns")
    {
        Description = "Comma-separated DNS servers for DHCP clients (default 8.8.8.8,1.1.1.1; \"\" for none)",
        CustomParser = OptionValues.DnsServers,
        HelpName = "LIST",
    };

    public Option<string?> StateDir { get; } = new("--state-dir")
    {
        Description = "State directory for pool.json (default /var/lib/cocoon/net)",
    };

    public Option<bool> DryRun { get; } = new("--dry-run") { Description = "Show what would be done, without making changes" };

    public Option<bool?> ManageIptables { get; } = new("--manage-iptables")
    {
        Description = "(adopt only) Let cocoon-net write its FORWARD + NAT MASQUERADE rules; remembered in pool.json for re-runs",
        Arity = ArgumentArity.ZeroOrOne,
        CustomParser = OptionValues.Boolean,
    };

    public Option<string?> Dhcp { get; } = new("--dhcp")
    {
        Description = "Who answers DHCP on cni0: dnsmasq (dnsmasq-cni, the default) or embedded (the agent's own server; "
            + "run 'cocoon-net agent'); remembered in pool.json for re-runs",
        HelpName = "dnsmasq|embedded",
    };

    public Option<int?> LeaseTime { get; } = new("--lease-time")
    {
        Description = "DHCP lease time, e.g. 24h, 30m or 3600s (default 24h); remembered in pool.json for re-runs",
        CustomParser = OptionValues.LeaseTime,
        HelpName = "DURATION",
    };

    public Option<bool?> VmIsolation { get; } = new("--vm-isolation")
    {
        Description = "Keep VMs on cni0 from reaching each other (bridge port isolation, hairpin traffic dropped); default true; "
            + "remembered in pool.json for re-runs",
        Arity = ArgumentArity.ZeroOrOne,
        CustomParser = OptionValues.Boolean,
    };

    public Option<bool?> AntiSpoofing { get; } = new("--anti-spoofing")
    {
        Description = "Let each VM send only from its own MAC and leased address (nftables table bridge cocoon); default true; "
            + "remembered in pool.json for re-runs",
        Arity = ArgumentArity.ZeroOrOne,
        CustomParser = OptionValues.Boolean,
    };

    public Option<bool?> DropInternalAccess { get; } = new("--drop-internal-access")
    {
        Description = "Drop VMs' routed traffic to this node's own VM subnet (needs managed iptables); remembered in pool.json for re-runs",
        Arity = ArgumentArity.ZeroOrOne,
        CustomParser = OptionValues.Boolean,
    };

    /// <summary>Repeatable; null when not given (a re-run keeps the recorded list), empty for <c>--drop-cidr none</c>.</summary>
    public Option<IReadOnlyList<IPNetwork>?> DropCidr { get; } = new("--drop-cidr")
    {
        Description = "An IPv4 range VMs' routed traffic may not reach; give it once per range, 'none' to clear the list "
            + "(needs managed iptables); remembered in pool.json for re-runs",
        CustomParser = OptionValues.DropCidrs,
        Arity = ArgumentArity.OneOrMore,
        AllowMultipleArgumentsPerToken = false,
        HelpName = "CIDR",
    };

    public Option<int?> Mtu { get; } = new("--mtu")
    {
        Description = $"MTU of cni0 and the VMs ({PoolState.MinMtu}-{PoolState.MaxMtu}, not above the primary NIC's); "
            + "default auto: the primary NIC's; remembered in pool.json for re-runs",
        CustomParser = OptionValues.Mtu,
        HelpName = "N|auto",
    };

    public Option<string?> Output { get; } = new("--output", "-o") { Description = "Output format: text, json or yaml" };


    public Option<string?> PluginsDir { get; } = new("--plugins-dir")
    {
        Description = "Plugins directory (default: $COCOON_NET_PLUGINS_DIR, else <executable dir>/plugins, else /usr/lib/cocoon-net/plugins)",
        Recursive = true,
    };

    public Option<bool> AllowInsecurePlugins { get; } = new("--allow-insecure-plugins")
    {
        Description = "Load plugins even from folders or files a non-root user can write (dangerous)",
        Recursive = true,
    };

    public Option<bool> Verbose { get; } = new("--verbose", "-v")
    {
        Description = "Debug logs on stderr (overrides $COCOON_NET_LOG_LEVEL)",
        Recursive = true,
    };

    public Option<bool> Quiet { get; } = new("--quiet", "-q")
    {
        Description = "Only errors on stderr (overrides $COCOON_NET_LOG_LEVEL)",
        Recursive = true,
    };

    public Option<string?> ServiceManager { get; } = new("--service-manager")
    {
        Description = "How dnsmasq-cni runs: auto, systemd or process (default: $COCOON_NET_SERVICE_MANAGER, else auto; no effect with --dhcp embedded)",
        Recursive = true,
    };
}
