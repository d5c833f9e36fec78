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
        Description = "Virtual node name (with --mode)",
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

    public Option<ListenAddress?> Listen { get; } = new("--listen")
    {
        Description = "Address of /metrics, /healthz and /readyz (default 127.0.0.1:9092)",
        CustomParser = ParseListen,
        HelpName = "HOST:PORT",
    };

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
        if (!ListenAddress.TryParse(token, out var address, out var problem))
        {
            result.AddError(problem);
        }

        return address;
    }

    private static string Name(ArgumentResult result) => result.Parent is OptionResult option ? option.Option.Name : result.Argument.Name;
}
