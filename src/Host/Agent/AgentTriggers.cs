using CocoonNet.Host.Composition;
using CocoonNet.Node.Pipeline;
using CocoonNet.Node.State;

namespace CocoonNet.Host.Agent;

/// <summary>
/// Every reason the agent reconciles besides its start, each feeding the one <see cref="ReconcileQueue"/>: the resync
/// timer, pool.json replaced by another writer, kernel drift, dnsmasq supervision (process mode, idle with the embedded backend), the cloud check (init nodes, when on), and giving memory
/// back when quiet (which queues nothing, but runs as long as they do).
/// </summary>
internal sealed class AgentTriggers(
    AgentOptions options,
    RuntimeSettings runtime,
    ResyncTimer resync,
    PoolFileTrigger poolFile,
    KernelDriftTrigger drift,
    DhcpSupervision dhcp,
    CloudCheckTrigger cloud,
    AgentCloudCheck cloudCheck,
    MemoryRelease release)
{
    public KernelDriftTrigger Drift => drift;

    /// <summary>The running sources for <paramref name="state"/>; none ends before the stop unless it failed.</summary>
    public List<Task> Start(PoolState state, CancellationToken stoppingToken)
    {
        var sources = new List<Task> { resync.RunAsync(stoppingToken), poolFile.RunAsync(stoppingToken), drift.RunAsync(state, stoppingToken) };
        // Only dnsmasq is supervised; the supervision idles while the backend is the embedded server (from the start, or
        // after a switch under the running agent), when the agent answers DHCP itself and no dnsmasq-cni is ours.
        if (AgentServiceMode.For(options.ServiceManagerGiven, runtime, state) == DhcpServiceMode.Process)
        {
            sources.Add(dhcp.RunAsync(stoppingToken));
        }

        if (options.CloudCheck > TimeSpan.Zero && state.Mode == PoolState.ModeInit)
        {
            sources.Add(cloud.RunAsync(cloudCheck.Interval(options, state), stoppingToken));
        }

        sources.Add(release.RunAsync(stoppingToken));
        return sources;
    }
}
