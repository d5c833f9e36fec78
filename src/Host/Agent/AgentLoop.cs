using CocoonNet.Host.AgentProcess;
using System.Diagnostics;
using System.Runtime.InteropServices;
using CocoonNet.Host.Operations;
using CocoonNet.Node.Leases;
using CocoonNet.Node.State;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Hosting.Systemd;
using Microsoft.Extensions.Logging;

namespace CocoonNet.Host.Agent;

/// <summary>
/// The agent: starts the node (the init/adopt operation, or a full reconcile of pool.json), tells systemd it is
/// ready only once that succeeded and the drift watch is subscribed, then reconciles what the triggers
/// (<see cref="AgentTriggers"/>) queue, one at a time, through the node it holds in memory
/// (<see cref="InMemoryNode"/>). Stopping it changes nothing on the node.
/// </summary>
internal sealed class AgentLoop(
    AgentOptions options,
    AgentStart start,
    InMemoryNode node,
    ReconcileQueue queue,
    AgentTriggers triggers,
    AgentStatus status,
    ReconcileClock clock,
    AgentWatchdog watchdog,
    ISystemdNotifier notifier,
    AgentExit exit,
    IHostApplicationLifetime lifetime,
    TimeProvider time,
    ILogger<AgentLoop> logger) : BackgroundService
{
    /// <summary>Retry delays of a failing start, and of a dnsmasq that keeps dying: 1 s doubling to 30 s.</summary>
    public static readonly TimeSpan FirstBackoff = TimeSpan.FromSeconds(1);

    public static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(30);

    /// <summary>How long READY=1 waits for the embedded DHCP server to listen.</summary>
    private static readonly TimeSpan EmbeddedDhcpWait = TimeSpan.FromSeconds(5);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await RunAsync(stoppingToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        catch (Exception e)
        {
            // Bad input found by the start (an exit code of its own) ends the agent; the command reports it.
            exit.Failure = e;
            lifetime.StopApplication();
        }
        finally
        {
            if (stoppingToken.IsCancellationRequested)
            {
                logger.Stopping();
                notifier.Notify(ServiceState.Stopping);
            }

            status.Delete();
        }
    }

    private async Task RunAsync(CancellationToken stoppingToken)
    {
        var underSystemd = !string.IsNullOrEmpty(Environment.GetEnvironmentVariable("INVOCATION_ID"));
        status.Begin(new AgentRecord { Pid = Environment.ProcessId, Started = time.GetUtcNow(), Mode = options.ModeName, UnderSystemd = underSystemd });
        if (logger.IsEnabled(LogLevel.Information))
        {
            logger.Started(options.ModeName, Durations.Format(options.Resync), Durations.Format(options.CloudCheck), options.Listen.ToString());
        }

        using var feeding = watchdog.Start(stoppingToken);
        // SIGHUP's default ends the process (exit 129, agent.json left behind); here it asks for a full resync, which a
        // signal during the start queues for right after it.
        using var hangup = PosixSignalRegistration.Create(PosixSignal.SIGHUP, context =>
        {
            context.Cancel = true;
            logger.Hangup();
            queue.Add(AgentTrigger.Full());
        });

        await StartNodeAsync(stoppingToken).ConfigureAwait(false);
        var state = node.State ?? await node.LoadAsync(stoppingToken).ConfigureAwait(false)
            ?? throw new InvalidOperationException($"no node recorded in {Path.Combine(options.StateDirectory, PoolStateStore.FileName)} after the start");
        status.Started(state);

        var running = triggers.Start(state, stoppingToken);
        running.Add(ConsumeAsync(stoppingToken));

        // Ready (systemd, /readyz, the Node's condition) only once the drift watch is subscribed: from then on a
        // change to the node is seen and repaired, so a probe that passed never hides one until the next resync.
        var subscribed = triggers.Drift.Subscribed;
        var first = await Task.WhenAny(running.Append(subscribed)).ConfigureAwait(false);
        if (first == subscribed)
        {
            // A change made between the first reconcile and the subscription raised no event: one more full
            // reconcile (a no-op when nothing changed) closes that gap.
            queue.Add(AgentTrigger.Full());
            // On an embedded node, READY=1 waits (briefly) for the DHCP server to listen: a VM started on "ready" must
            // not lose its first DISCOVER. A server that cannot listen keeps /readyz at 503 with why, not systemd waiting.
            if (state.DhcpBackend == DhcpBackend.Embedded)
            {
                await status.EmbeddedDhcpServing.WaitAsync(EmbeddedDhcpWait, time, stoppingToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                stoppingToken.ThrowIfCancellationRequested();
            }

            status.Watched();
            notifier.Notify(ServiceState.Ready);
            logger.Ready();
            status.Say("ready: the node matches pool.json");
            // Any source that fails (not by stopping) ends the agent: systemd restarts it (Restart=always).
            first = await Task.WhenAny(running).ConfigureAwait(false);
        }

        await first.ConfigureAwait(false);
    }

    /// <summary>The first reconcile must succeed before systemd hears READY=1; a failure is retried with backoff.</summary>
    private async Task StartNodeAsync(CancellationToken stoppingToken)
    {
        var delay = FirstBackoff;
        while (true)
        {
            status.Say($"starting: {options.ModeName}");
            var started = Stopwatch.GetTimestamp();
            try
            {
                await start.RunAsync(options, stoppingToken).ConfigureAwait(false);
                status.Reconciled("full", Stopwatch.GetElapsedTime(started), null);
                return;
            }
            catch (Exception e) when (Retriable(e, stoppingToken))
            {
                status.Reconciled("full", Stopwatch.GetElapsedTime(started), e);
                logger.StartFailed(options.ModeName, AgentStatus.Reason(e), Durations.Format(delay));
                status.Say($"start failed, retrying in {Durations.Format(delay)}: {AgentStatus.Reason(e)}");
                await Task.Delay(delay, time, stoppingToken).ConfigureAwait(false);
                delay = Durations.Doubled(delay, MaxBackoff);
            }
        }
    }

    /// <summary>Reconciles each trigger in turn; a failure is reported and waits for the next trigger (the resync at the latest).</summary>
    private async Task ConsumeAsync(CancellationToken stoppingToken)
    {
        while (true)
        {
            var trigger = await queue.NextAsync(stoppingToken).ConfigureAwait(false);
            var started = Stopwatch.GetTimestamp();
            var steps = NodePartsFor.Describe(trigger.Parts);
            if (trigger.Objects.Count > 0)
            {
                logger.Repairing(trigger.Objects);
            }

            try
            {
                clock.Begin(started);
                if (!await ReconcileAsync(trigger, stoppingToken).ConfigureAwait(false))
                {
                    logger.NoNode(Path.Combine(options.StateDirectory, PoolStateStore.FileName));
                    status.Say("idle: no node recorded in pool.json");
                    trigger.Done.TrySetResult(false);
                    continue;
                }

                status.Repaired(trigger.Objects, trigger.Kind == ReconcileKind.Repair);
                status.ReportHeld();
                var took = Stopwatch.GetElapsedTime(started);
                status.Reconciled(trigger.KindName, took, null);
                logger.Reconciled(trigger.KindName, steps, took.TotalMilliseconds);
                if (trigger.Kind == ReconcileKind.Full)
                {
                    triggers.Drift.RescopeIfChanged();
                }

                trigger.Done.TrySetResult(true);
            }
            catch (CloudRepairException)
            {
                // The cloud check reports it (status, metrics, log); the host keeps serving, so readiness stays.
                status.CloudRepairFailed(trigger.KindName, Stopwatch.GetElapsedTime(started));
                trigger.Done.TrySetResult(false);
            }
            catch (Exception e) when (Retriable(e, stoppingToken))
            {
                status.Reconciled(trigger.KindName, Stopwatch.GetElapsedTime(started), e);
                logger.ReconcileFailed(trigger.KindName, steps, AgentStatus.Reason(e));
                trigger.Done.TrySetResult(false);
            }
            finally
            {
                clock.End();
            }
        }
    }

    /// <summary>Work of its own (a cloud repair), a full reconcile (pool.json read again), or a repair from memory.</summary>
    private async Task<bool> ReconcileAsync(AgentTrigger trigger, CancellationToken stoppingToken)
    {
        if (trigger.Work is { } work)
        {
            await work(stoppingToken).ConfigureAwait(false);
            // It wrote pool.json itself (init): the node held is read again, so the watch follows what it provisioned.
            await node.LoadAsync(stoppingToken).ConfigureAwait(false);
            return true;
        }

        return trigger.Parts is { } parts
            ? await node.RepairAsync(parts, stoppingToken).ConfigureAwait(false)
            : await node.ReconcileAsync(null, stoppingToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Bad input and "no node" end the agent; anything else (the kernel, a tool, the cloud, the lock, a plugin's own
    /// HTTP timeout, which is a cancellation that is not the agent stopping) is retried.
    /// </summary>
    private static bool Retriable(Exception e, CancellationToken stoppingToken) =>
        !stoppingToken.IsCancellationRequested && e is not (UsageException or ExitCodeException);
}

/// <summary>Why the agent ended on its own (bad input found at start), for the command's exit code and Error: line.</summary>
internal sealed class AgentExit
{
    public Exception? Failure { get; set; }
}
