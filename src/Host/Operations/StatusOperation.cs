using CocoonNet.Host.AgentProcess;
using CocoonNet.Host.Plugins;
using System.Text.Json;
using CocoonNet.Host.Agent;
using CocoonNet.Host.Composition;
using CocoonNet.Node.Engine;
using CocoonNet.Node.Linux;
using CocoonNet.Host.Logging;
using CocoonNet.Node.Net;
using CocoonNet.Node.State;
using CocoonNet.Host.Status;
using Microsoft.Extensions.Logging;

namespace CocoonNet.Host.Operations;

/// <summary>Output formats of <c>status</c> and <c>plugins</c>.</summary>
internal enum OutputFormat
{
    Text,
    Json,
    Yaml,
}

/// <summary>
/// <c>cocoon-net status</c>: pool.json, live cloud facts (init nodes only: adopted nodes never reach the
/// cloud) and live host facts, as one typed report (docs/status.schema.json). Exit 0 when healthy,
/// <see cref="ExitCodes.Degraded"/> when anything is missing or down, <see cref="ExitCodes.NoState"/> when
/// the node was never set up, so <c>cocoon-net status &gt;/dev/null</c> is a health check. Read-only; takes no lock.
/// </summary>
internal sealed class StatusOperation(
    PlatformRegistry registry,
    HostStatusCollector host,
    RuntimeSettings runtime,
    TimeProvider time,
    ConsoleOutput output,
    HostPaths paths,
    ILogger<StatusOperation> logger)
{
    public async Task<int> RunAsync(string stateDirectory, OutputFormat format, CancellationToken cancellationToken)
    {
        var report = await CollectAsync(stateDirectory, cancellationToken).ConfigureAwait(false);
        switch (format)
        {
            case OutputFormat.Json:
                output.Line(JsonSerializer.Serialize(report, StatusJsonContext.Readable.StatusReport));
                break;
            case OutputFormat.Yaml:
                using (var document = JsonSerializer.SerializeToDocument(report, StatusJsonContext.Readable.StatusReport))
                {
                    output.Text(YamlWriter.Write(document.RootElement));
                }

                break;
            default:
                foreach (var line in StatusTextRenderer.Lines(report))
                {
                    output.Line(line);
                }

                break;
        }

        return report.Healthy ? ExitCodes.Success : ExitCodes.Degraded;
    }

    public async Task<StatusReport> CollectAsync(string stateDirectory, CancellationToken cancellationToken)
    {
        var store = new PoolStateStore(stateDirectory, time);
        var state = store.Load()
            ?? throw new ExitCodeException(ExitCodes.NoState, $"no pool state at {store.Path} (run 'cocoon-net init' or 'cocoon-net adopt' first)");

        var mode = state.Mode == PoolState.ModeAdopt ? NodeMode.Adopt : NodeMode.Init;
        var node = new NodeSection(
            state.Platform,
            state.NodeName,
            mode,
            state.Subnet,
            state.Gateway,
            string.IsNullOrEmpty(state.PrimaryNic) ? null : state.PrimaryNic,
            state.Plugin,
            state.PluginVersion,
            PoolStateJson.FormatTimestamp(state.UpdatedAt))
        {
            VmIsolation = state.IsolatesVms,
            AntiSpoofing = state.ChecksSpoofing,
            DropInternalAccess = state.DropInternalAccess == true,
            DropCidrs = state.DropCidrs ?? [],
            Mtu = state.Mtu,
        };
        var cloud = mode == NodeMode.Init ? await CloudAsync(state, cancellationToken).ConfigureAwait(false) : null;
        var target = NodeTarget.Of(state, runtime.ServiceMode, store.Directory);
        var ips = Ips(target);
        var bridge = host.Bridge(target, out var link);
        var leases = host.Leases(target, store.Directory, out var leased);
        var routes = host.Routes(target, link, leased);
        var iptables = await host.IptablesAsync(state, cancellationToken, target.Spec).ConfigureAwait(false);
        var dhcp = await host.DhcpAsync(state, cancellationToken).ConfigureAwait(false);
        var cni = host.Cni(target.Spec.Backend);
        var agent = Agent();
        var portSecurity = await host.PortSecurityAsync(target, cancellationToken).ConfigureAwait(false);
        var problems = StatusProblems.Find(ips, bridge, routes, iptables, dhcp, cni, cloud, agent is not null)
            .Concat(StatusProblems.PortSecurity(portSecurity)).ToList();
        return new StatusReport(
            StatusReport.CurrentSchemaVersion,
            problems.Count == 0,
            problems,
            node,
            ips,
            bridge,
            routes,
            iptables,
            dhcp,
            cni,
            cloud,
            new StateSection(store.Path),
            agent,
            leases,
            StatusProblems.Notes(dhcp, agent is not null),
            portSecurity);
    }

    /// <summary>The agent serving this node, when its record names a live cocoon-net process.</summary>
    private AgentSection? Agent()
    {
        if (new AgentRecordStore(paths).ReadLive() is not { } record)
        {
            return null;
        }

        var last = record.LastReconcile is { } r
            ? new AgentReconcileSection(PoolStateJson.FormatTimestamp(r.Time), r.Kind, r.Ok, r.Error)
            : null;
        return new AgentSection(record.Pid, PoolStateJson.FormatTimestamp(record.Started), record.Mode, record.UnderSystemd, last,
            record.Repairs, record.DhcpRestarts, record.CloudDrift, record.CloudDriftLines ?? [], record.CloudReachable,
            (record.Held ?? []).Where(h => h.Until > time.GetUtcNow()).Select(h => new AgentHeldSection(h.Object, PoolStateJson.FormatTimestamp(h.Until))).ToList());
    }

    private static IpsSection Ips(NodeTarget target)
    {
        var addresses = target.Spec.Ips.OrderBy(Ipv4.ToUInt32).ToList();
        return new IpsSection(addresses.Count, addresses.FirstOrDefault()?.ToString(), addresses.LastOrDefault()?.ToString());
    }

    private async Task<CloudSection> CloudAsync(PoolState state, CancellationToken cancellationToken)
    {
        if (registry.Provider(state.Platform) is not { } provider)
        {
            var why = $"no loaded plugin serves {state.Platform} (see 'cocoon-net plugins')";
            logger.CloudStatusUnavailable(why);
            return new CloudSection(state.Platform, false, why, [], []);
        }

        try
        {
            var status = await provider.GetStatusAsync(StateResources.Of(state), cancellationToken).ConfigureAwait(false);
            var fields = status.Fields.Select(f => new CloudField(f.Label, f.Value)).ToList();
            return status.Reachable
                ? new CloudSection(state.Platform, true, null, fields, status.Drift)
                : new CloudSection(state.Platform, false, CloudVerdict.UnreachableReason, fields, []);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            logger.CloudStatusUnavailable(e.Message);
            return new CloudSection(state.Platform, false, e.Message, [], []);
        }
    }
}
