using System.Diagnostics;
using CocoonNet.Node.Dhcp;
using CocoonNet.Node.Leases;
using CocoonNet.Node.Linux;
using CocoonNet.Node.Pipeline;
using Microsoft.Extensions.Logging;

namespace CocoonNet.Host.Agent;

/// <summary>
/// Process mode: the agent owns dnsmasq. It waits on dnsmasq's pidfd (woken by the kernel when it exits) and
/// restarts it at once through the dhcp step; a dnsmasq that keeps dying is restarted after 1 s, 2 s, ... 30 s. It idles
/// while the node's DHCP backend is the embedded server.
/// </summary>
internal sealed class DhcpSupervision(
    DhcpServices dhcpServices,
    HostPaths paths,
    ReconcileQueue queue,
    AgentStatus status,
    IAgentTelemetry telemetry,
    NodeChanges changes,
    TimeProvider time,
    ILogger<DhcpSupervision> logger)
{
    /// <summary>dnsmasq exiting sooner than this after the agent started it counts as "keeps dying".</summary>
    private static readonly TimeSpan QuickDeath = TimeSpan.FromSeconds(10);

    public async Task RunAsync(CancellationToken stoppingToken)
    {
        var service = dhcpServices.For(DhcpServiceMode.Process);
        var delay = AgentLoop.FirstBackoff;
        long? lastRestart = null;
        while (true)
        {
            if (await IdleWhileEmbeddedAsync(stoppingToken).ConfigureAwait(false))
            {
                lastRestart = null;
                continue;
            }

            if (await service.RunningPidAsync(stoppingToken).ConfigureAwait(false) is { } pid)
            {
                await ProcessExit.WaitAsync(pid, stoppingToken).ConfigureAwait(false);
                logger.DhcpExited(pid);
                if (Embedded())
                {
                    // Stopped by the switch to the embedded server, not dead.
                    continue;
                }
            }

            telemetry.Drift("dhcp", true);
            status.Dhcp($"{AgentHealth.DhcpDown}: dnsmasq-cni is not running; the agent restarts it (log: {paths.DnsmasqLogFile})");

            if (lastRestart is { } last && Stopwatch.GetElapsedTime(last) < QuickDeath)
            {
                logger.DhcpBackoff(Durations.Format(delay), paths.DnsmasqLogFile);
                await Task.Delay(delay, time, stoppingToken).ConfigureAwait(false);
                delay = Durations.Doubled(delay, AgentLoop.MaxBackoff);
            }
            else
            {
                delay = AgentLoop.FirstBackoff;
            }

            if (await queue.RunAsync(AgentTrigger.Dhcp(), stoppingToken).ConfigureAwait(false) && !Embedded())
            {
                telemetry.DhcpRestarted();
                telemetry.Drift("dhcp", false);
                status.Dhcp(null);
                status.Update(r => r with { DhcpRestarts = r.DhcpRestarts + 1 });
                status.WriteRecord();
            }

            lastRestart = Stopwatch.GetTimestamp();
        }
    }

    /// <summary>
    /// While the node's DHCP is the embedded server (switched under a running agent, or from the start), no dnsmasq-cni
    /// is ours to keep: waits for the node to change. True when it waited.
    /// </summary>
    private async Task<bool> IdleWhileEmbeddedAsync(CancellationToken stoppingToken)
    {
        if (!Embedded())
        {
            return false;
        }

        telemetry.Drift("dhcp", false);
        status.Dhcp(null);
        await changes.NextAsync(changes.Current, stoppingToken).ConfigureAwait(false);
        return true;
    }

    private bool Embedded() => changes.Current?.State.DhcpBackend == DhcpBackend.Embedded;
}
