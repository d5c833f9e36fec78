using System.CommandLine;
using System.CommandLine.Parsing;
using System.Net;
using CocoonNet.Host.Agent.Telemetry;
using CocoonNet.Host.Agent;

namespace CocoonNet.Host.Cli;

/// <summary>
/// The agent's own flags. The node flags are init/adopt's (the same option objects, shared with those
/// commands), except --node-name and --subnet, which the agent needs only with --mode.
/// </summary>
internal sealed class AgentCliOptions
{
    public AgentCliOptions()
    {
        Mode.AcceptOnlyFromAmong(CliOptions.Choices["--mode"]);
    }

    public Option<string?> Mode { get; } = new("--mode")
    {
        Description = "First do what 'init' or 'adopt' does with the node flags (idempotent); without it, serve the node recorded in pool.json",
    };

    public Option<string?> NodeName { get; } = new("--node-name")
    {
        Description = "Virtual node name (with --mode); with --kubernetes this Node's name (default: NODE_NAME)",
    };

    public Option<IPNetwork?> Subnet { get; } = new("--subnet")
    {
        Description = "VM subnet CIDR (with --mode), e.g. 172.20.100.0/24",
        CustomParser = OptionValues.Subnet,
        HelpName = "CIDR",
    };

    public Option<TimeSpan?> Resync { get; } = new("--resync")
    {
        Description = "Full re-plan of the host every DURATION, ±10% (default 60s; written 500ms, 2s, 10m, 1h)",
        CustomParser = r => Duration(r, allowZero: false),
        HelpName = "DURATION",
    };

    public Option<TimeSpan?> CloudCheck { get; } = new("--cloud-check")
    {
        Description = "Check the cloud side (read-only) every DURATION, ±10% (default 10m; 0 turns it off)",
        CustomParser = r => Duration(r, allowZero: true),
        HelpName = "DURATION",
    };

    public Option<bool> RepairCloud { get; } = new("--repair-cloud")
    {
        Description = "Repair cloud drift the check finds (init nodes; by default it is only reported)",
    };

    /// <summary>--metrics-addr is upstream's name for it (its daemon served only /metrics there).</summary>
    public Option<ListenAddress?> Listen { get; } = new("--listen", MetricsAddrFlag)
    {
        Description = $"Address of /metrics, /healthz and /readyz (default: ${MetricsAddrVariable}, else 127.0.0.1:9092; "
            + "as 'daemon' :9092, upstream's: every IPv4 address)",
        CustomParser = ParseListen,
        HelpName = "HOST:PORT",
    };

    public const string MetricsAddrFlag = "--metrics-addr";

    /// <summary>Upstream's variable for its daemon's --metrics-addr; here the default of --listen under either name.</summary>
    public const string MetricsAddrVariable = "COCOON_NET_METRICS_ADDR";

    /// <summary>Upstream's variable for the control socket (issue 22).</summary>
    public const string ControlSocketVariable = "COCOON_NET_CONTROL_SOCKET";

    public Option<bool> SkipIptables { get; } = new("--skip-iptables")
    {
        Description = "Neither write nor repair iptables rules this run, whatever pool.json records (upstream's daemon flag)",
    };

    public Option<string?> LeaseFile { get; } = new("--lease-file")
    {
        Description = "Upstream's daemon flag: leases.json is always <state-dir>/leases.json; only that path is accepted",
        HelpName = "PATH",
    };

    public Option<string?> ControlSocket { get; } = new("--control-socket")
    {
        Description = $"Upstream's daemon flag (default: ${ControlSocketVariable}, else /run/cocoon-net/control.sock); only that path is accepted",
        HelpName = "PATH",
    };

    public Option<bool> Kubernetes { get; } = new("--kubernetes")
    {
        Description = "Run in-cluster: configuration from this Node's annotations, status on the Node (default on when KUBERNETES_SERVICE_HOST is set; --kubernetes=false turns it off)",
    };

    public Option<string?> Kubeconfig { get; } = new("--kubeconfig")
    {
        Description = "Kubeconfig file for --kubernetes (default: KUBECONFIG, else the pod's service account)",
        HelpName = "PATH",
    };

    public Option<IPNetwork?> ClusterVmCidr { get; } = new("--cluster-vm-cidr")
    {
        Description = "Allocate this node's VM subnet from CIDR (one Lease per subnet) when no --subnet or annotation gives it",
        CustomParser = r => Renamed(r, "--cluster-vm-cidr"),
        HelpName = "CIDR",
    };

    public Option<int?> NodeSubnetPrefix { get; } = new("--node-subnet-prefix")
    {
        Description = "Prefix length of each node's subnet from --cluster-vm-cidr (default 24)",
        CustomParser = OptionValues.WholeNumber,
        HelpName = "N",
    };

    public Option<string?> LeaseNamespace { get; } = new("--lease-namespace")
    {
        Description = "Namespace of the subnet leases (default: POD_NAMESPACE, else cocoon-net)",
        HelpName = "NS",
    };

    public Option<TimeSpan?> LeaseGcGrace { get; } = new("--lease-gc-grace")
    {
        Description = "Delete a subnet lease whose node is gone after DURATION (default 10m)",
        CustomParser = r => Duration(r, allowZero: false),
        HelpName = "DURATION",
    };

    /// <summary>A CIDR flag parsed as --subnet is, its messages naming this flag.</summary>
    private static IPNetwork? Renamed(ArgumentResult result, string name)
    {
        var token = result.Tokens.Count > 0 ? result.Tokens[0].Value : "";
        try
        {
            return Operations.NodeRequestValidator.ParseSubnet(token);
        }
        catch (UsageException e)
        {
            result.AddError(e.Message.Replace("--subnet", name, StringComparison.Ordinal));
            return null;
        }
    }

    private static TimeSpan? Duration(ArgumentResult result, bool allowZero)
    {
        var token = result.Tokens.Count > 0 ? result.Tokens[0].Value : "";
        var value = Durations.Parse(token, allowZero, out var problem);
        if (value is null)
        {
            result.AddError($"{Name(result)} {OptionValues.Show(token)}: {problem}");
        }

        return value;
    }

    private static ListenAddress? ParseListen(ArgumentResult result)
    {
        var token = result.Tokens.Count > 0 ? result.Tokens[0].Value : "";
        // The name as written, so an error about --metrics-addr says --metrics-addr.
        var name = result.Parent is OptionResult option ? option.IdentifierToken?.Value ?? option.Option.Name : "--listen";
        if (token.Trim().Length == 0)
        {
            // Upstream's empty --metrics-addr turns metrics off; here /healthz and /readyz share the listener.
            result.AddError($"{name} '': the address cannot be turned off (/healthz and /readyz are served there too); "
                + $"give {ListenAddress.Default} to keep it on this host");
            return null;
        }

        if (!ListenAddress.TryParse(token, out var address, out var problem, name))
        {
            result.AddError(problem);
        }

        return address;
    }

    private static string Name(ArgumentResult result) => result.Parent is OptionResult option ? option.Option.Name : result.Argument.Name;
}
