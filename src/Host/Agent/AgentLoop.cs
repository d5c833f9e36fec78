using System.Diagnostics;
using System.Net;
using System.Runtime.InteropServices;
using System.Threading.Channels;
using CocoonNet.Node.Dhcp;
using CocoonNet.Node.Linux;
using CocoonNet.Host.Operations;
using CocoonNet.Node.Pipeline;
using CocoonNet.Node.State;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Hosting.Systemd;
using Microsoft.Extensions.Logging;

namespace CocoonNet.Host.Agent;

/// <summary>
/// The agent: starts the node (the init/adopt operation, or a full reconcile of pool.json), tells systemd it is
/// ready only once that succeeded and the drift watch is subscribed, then reconciles on every trigger — the resync
/// timer, drift batches, dnsmasq exiting, the cloud check, SIGHUP — one at a time, through the one pipeline.
/// Stopping it changes nothing on the node.
/// </summary>
internal sealed class AgentLoop(
    AgentOptions options,
    AgentStart start,
    NodeReconciler reconciler,
    AgentCloudCheck cloudCheck,
    DhcpServices dhcpServices,
    RuntimeSettings runtime,
    HostPaths paths,
    IDriftWatcher drift,
    IAgentTelemetry telemetry,
    AgentHealth health,
    ISystemdNotifier notifier,
    AgentRecordStore records,
    AgentExit exit,
    IHostApplicationLifetime lifetime,
    TimeProvider time,
    ILogger<AgentLoop> logger) : BackgroundService
{
    /// <summary>Retry delays of a failing start, and of a dnsmasq that keeps dying: 1 s doubling to 30 s.</summary>
    public static readonly TimeSpan FirstBackoff = TimeSpan.FromSeconds(1);

    /// <summary>How long nothing must be reconciled before the memory the last reconciles used is given back.</summary>
    public static readonly TimeSpan QuietBeforeRelease = TimeSpan.FromSeconds(5);

    public static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(30);

    /// <summary>dnsmasq exiting sooner than this after the agent started it counts as "keeps dying".</summary>
    private static readonly TimeSpan QuickDeath = TimeSpan.FromSeconds(10);

    private readonly Channel<AgentTrigger> _triggers = Channel.CreateUnbounded<AgentTrigger>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Random _random = new();
    private readonly Lock _gate = new();
    private readonly Lock _healthGate = new();

    /// <summary>A reconcile running longer than this is stuck: the watchdog stops being fed, and systemd restarts the agent.</summary>
    public static readonly TimeSpan StuckAfter = TimeSpan.FromMinutes(2);

    // Stopwatch timestamp of the reconcile in progress, 0 when the loop is idle (read by the watchdog timer).
    private long _reconcilingSince;
    // Reconciles finished so far: memory is given back once a quiet interval follows new ones.
    private long _finished;

    // The node the drift watch follows and how to stop it (set by the watch, read by the reconciling loop).
    private volatile WatchedNode? _watching;

    // Why the host is degraded while the flap guard holds objects back; empty when none is.
    private volatile string _held = "";

    // Why DHCP is down (process mode: dnsmasq exited and is not back yet, or in restart backoff); empty when it serves.
    private volatile string _dhcpDown = "";

    // Set once the drift watch has subscribed: before, a change to the node would go unseen until the next resync.
    private volatile bool _watched;
    private AgentRecord _record = new();

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

            records.Delete();
        }
    }

    private async Task RunAsync(CancellationToken stoppingToken)
    {
        var underSystemd = !string.IsNullOrEmpty(Environment.GetEnvironmentVariable("INVOCATION_ID"));
        _record = new AgentRecord { Pid = Environment.ProcessId, Started = time.GetUtcNow(), Mode = options.ModeName, UnderSystemd = underSystemd };
        if (logger.IsEnabled(LogLevel.Information))
        {
            logger.Started(options.ModeName, Durations.Format(options.Resync), Durations.Format(options.CloudCheck), options.Listen.ToString());
        }

        using var watchdog = StartWatchdog(stoppingToken);
        // SIGHUP's default ends the process (exit 129, agent.json left behind); here it asks for a full resync, which a
        // signal during the start queues for right after it.
        using var hangup = PosixSignalRegistration.Create(PosixSignal.SIGHUP, context =>
        {
            context.Cancel = true;
            logger.Hangup();
            _ = _triggers.Writer.TryWrite(AgentTrigger.Full());
        });

        // The first reconcile must succeed before systemd hears READY=1; a failure is retried with backoff.
        var delay = FirstBackoff;
        while (true)
        {
            Status($"starting: {options.ModeName}");
            var started = Stopwatch.GetTimestamp();
            try
            {
                await start.RunAsync(options, stoppingToken).ConfigureAwait(false);
                Finished("full", Stopwatch.GetElapsedTime(started), null);
                break;
            }
            catch (Exception e) when (Retriable(e, stoppingToken))
            {
                Finished("full", Stopwatch.GetElapsedTime(started), e);
                logger.StartFailed(options.ModeName, Reason(e), Durations.Format(delay));
                Status($"start failed, retrying in {Durations.Format(delay)}: {Reason(e)}");
                await Task.Delay(delay, time, stoppingToken).ConfigureAwait(false);
                delay = Durations.Doubled(delay, MaxBackoff);
            }
        }

        var state = NodeReconciler.Recorded(options.StateDirectory, time)
            ?? throw new InvalidOperationException($"no node recorded in {Path.Combine(options.StateDirectory, PoolStateStore.FileName)} after the start");
        Describe(state);
        ReportHeld();
        telemetry.Drift("dhcp", false);

        var subscribed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var sources = new List<Task>
        {
            ResyncAsync(stoppingToken),
            DriftAsync(state, subscribed, stoppingToken),
        };
        if (AgentServiceMode.For(options.ServiceManagerGiven, runtime, state) == DhcpServiceMode.Process)
        {
            sources.Add(SuperviseDhcpAsync(stoppingToken));
        }

        if (options.CloudCheck > TimeSpan.Zero && state.Mode == PoolState.ModeInit)
        {
            sources.Add(CloudAsync(cloudCheck.Interval(options, state), stoppingToken));
        }

        sources.Add(ReleaseMemoryWhenQuietAsync(stoppingToken));

        var consumer = ConsumeAsync(stoppingToken);
        var running = sources.Append(consumer).ToList();

        // Ready (systemd, /readyz, the Node's condition) only once the drift watch is subscribed: from then on a
        // change to the node is seen and repaired, so a probe that passed never hides one until the next resync.
        var first = await Task.WhenAny(running.Append(subscribed.Task)).ConfigureAwait(false);
        if (first == subscribed.Task)
        {
            // A change made between the first reconcile and the subscription raised no event: one more full
            // reconcile (a no-op when nothing changed) closes that gap.
            _ = _triggers.Writer.TryWrite(AgentTrigger.Full());
            _watched = true;
            UpdateHealth();
            notifier.Notify(ServiceState.Ready);
            logger.Ready();
            Status("ready: the node matches pool.json");
            // Any source that fails (not by stopping) ends the agent: systemd restarts it (Restart=always).
            first = await Task.WhenAny(running).ConfigureAwait(false);
        }

        await first.ConfigureAwait(false);
    }

    /// <summary>
    /// Once a quiet interval (<see cref="QuietBeforeRelease"/>, no reconcile finished or running) follows reconciles,
    /// what they used is given back: the start's garbage and the code pages of plugin loading, the command line and
    /// the pipeline, touched once and still counted in RSS (the idle budget is 60 MiB). So a burst of repairs
    /// never pays for it, and the idle agent's RSS is what its loop keeps touching; it costs a few milliseconds per
    /// resync and, later, a minor fault per page touched again (the pages stay in the page cache).
    /// </summary>
    private async Task ReleaseMemoryWhenQuietAsync(CancellationToken stoppingToken)
    {
        long released = 0, seen = -1;
        while (true)
        {
            await Task.Delay(QuietBeforeRelease, time, stoppingToken).ConfigureAwait(false);
            var finished = Interlocked.Read(ref _finished);
            var busy = finished != seen || Interlocked.Read(ref _reconcilingSince) != 0;
            seen = finished;
            if (busy || finished == released)
            {
                continue;
            }

            released = finished;
            WorkingSet.TrimResult trim;
            try
            {
                trim = WorkingSet.Trim(AppContext.BaseDirectory);
            }
            catch (Exception e) when (!stoppingToken.IsCancellationRequested)
            {
                // Giving memory back is an optimisation: whatever the runtime or the kernel refuses (no madvise
                // in this libc, /proc unreadable) must not end the agent that keeps the node's network. Said once,
                // then this source waits for the stop: it must not complete either, since any source that ends,
                // ends the agent (Task.WhenAny below).
                logger.MemoryReleaseFailed(e.Message);
                await Task.Delay(Timeout.InfiniteTimeSpan, time, stoppingToken).ConfigureAwait(false);
                return;
            }

            if (logger.IsEnabled(LogLevel.Debug))
            {
                logger.MemoryReleased(trim.RssBeforeKib / 1024.0, trim.RssAfterKib / 1024.0, trim.UnmappedKib / 1024.0, trim.Mappings);
            }
        }
    }

    /// <summary>Reconciles each trigger in turn; a failure is reported and waits for the next trigger (the resync at the latest).</summary>
    private async Task ConsumeAsync(CancellationToken stoppingToken)
    {
        await foreach (var trigger in _triggers.Reader.ReadAllAsync(stoppingToken).ConfigureAwait(false))
        {
            var started = Stopwatch.GetTimestamp();
            if (trigger.Objects.Count > 0)
            {
                logger.Repairing(trigger.Objects);
            }

            try
            {
                Interlocked.Exchange(ref _reconcilingSince, started);
                var served = true;
                if (trigger.Work is { } work)
                {
                    await work(stoppingToken).ConfigureAwait(false);
                }
                else
                {
                    served = await reconciler.ReconcileAsync(options.StateDirectory, trigger.Steps, stoppingToken).ConfigureAwait(false);
                }

                if (!served)
                {
                    logger.NoNode(Path.Combine(options.StateDirectory, PoolStateStore.FileName));
                    Status("idle: no node recorded in pool.json");
                    trigger.Done.TrySetResult(false);
                    continue;
                }

                foreach (var kind in trigger.Objects)
                {
                    telemetry.Repaired(kind);
                }

                ReportHeld();

                Update(r => r with { Repairs = r.Repairs + (trigger.Kind == "repair" ? trigger.Objects.Count : 0) });
                var took = Stopwatch.GetElapsedTime(started);
                Finished(trigger.Kind, took, null);
                logger.Reconciled(trigger.Kind, trigger.Steps, took.TotalMilliseconds);
                if (trigger.Kind == "full")
                {
                    RescopeIfChanged();
                }

                trigger.Done.TrySetResult(true);
            }
            catch (CloudRepairException)
            {
                // The cloud check reports it (status, metrics, log); the host keeps serving, so readiness stays.
                telemetry.Reconciled(trigger.Kind, Stopwatch.GetElapsedTime(started), false);
                trigger.Done.TrySetResult(false);
            }
            catch (Exception e) when (Retriable(e, stoppingToken))
            {
                Finished(trigger.Kind, Stopwatch.GetElapsedTime(started), e);
                logger.ReconcileFailed(trigger.Kind, trigger.Steps.ToString(), Reason(e));
                trigger.Done.TrySetResult(false);
            }
            finally
            {
                Interlocked.Exchange(ref _reconcilingSince, 0);
            }
        }
    }

    private async Task ResyncAsync(CancellationToken stoppingToken)
    {
        while (true)
        {
            await Task.Delay(Durations.Jittered(options.Resync, _random), time, stoppingToken).ConfigureAwait(false);
            var trigger = AgentTrigger.Full();
            await _triggers.Writer.WriteAsync(trigger, stoppingToken).ConfigureAwait(false);
            await trigger.Done.Task.WaitAsync(stoppingToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Watches the node as pool.json describes it; when a full reconcile finds that description changed (an init or
    /// adopt run alongside, a cloud repair: other addresses, ENIs or subnet), the watch starts over on the new one.
    /// </summary>
    private async Task DriftAsync(PoolState state, TaskCompletionSource subscribed, CancellationToken stoppingToken)
    {
        while (true)
        {
            using var watch = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
            var scope = await reconciler.ScopeAsync(state, stoppingToken).ConfigureAwait(false);
            _watching = new WatchedNode(ScopeKey(state), watch);
            try
            {
                // Subscribed when WatchAsync returns, before the first batch is asked for.
                var batches = drift.WatchAsync(scope, watch.Token);
                subscribed.TrySetResult();
                await foreach (var batch in batches.ConfigureAwait(false))
                {
                    if (batch.Scope == RepairScope.None)
                    {
                        // Only a hold began (the flap guard): report it (status, /readyz, metrics), nothing to repair.
                        ReportHeld();
                        WriteRecord();
                        continue;
                    }

                    await _triggers.Writer.WriteAsync(AgentTrigger.Repair(batch), stoppingToken).ConfigureAwait(false);
                }
            }
            catch (OperationCanceledException) when (!stoppingToken.IsCancellationRequested)
            {
            }

            _watching = null;
            state = NodeReconciler.Recorded(options.StateDirectory, time) ?? state;
            Describe(state);
        }
    }

    /// <summary>After a full reconcile: restarts the drift watch when pool.json now describes another node.</summary>
    private void RescopeIfChanged()
    {
        if (_watching is { } watching && NodeReconciler.Recorded(options.StateDirectory, time) is { } now && ScopeKey(now) != watching.Key)
        {
            try
            {
                watching.Stop.Cancel();
            }
            catch (ObjectDisposedException)
            {
                // That watch already ended; the next one reads pool.json afresh.
            }
        }
    }

    private static string ScopeKey(PoolState state) =>
        $"{state.Platform}|{state.Subnet}|{string.Join(',', state.Ips ?? [])}|{string.Join(',', state.EniIds ?? [])}|{string.Join(',', state.SecondaryNics ?? [])}";

    private sealed record WatchedNode(string Key, CancellationTokenSource Stop);

    /// <summary>
    /// Process mode: the agent owns dnsmasq. It waits on dnsmasq's pidfd (woken by the kernel when it exits) and
    /// restarts it at once through the dhcp step; a dnsmasq that keeps dying is restarted after 1 s, 2 s, ... 30 s.
    /// </summary>
    private async Task SuperviseDhcpAsync(CancellationToken stoppingToken)
    {
        var service = dhcpServices.For(DhcpServiceMode.Process);
        var delay = FirstBackoff;
        long? lastRestart = null;
        while (true)
        {
            if (await service.RunningPidAsync(stoppingToken).ConfigureAwait(false) is { } pid)
            {
                await ProcessExit.WaitAsync(pid, stoppingToken).ConfigureAwait(false);
                logger.DhcpExited(pid);
            }

            telemetry.Drift("dhcp", true);
            _dhcpDown = $"{AgentHealth.DhcpDown}: dnsmasq-cni is not running; the agent restarts it (log: {paths.DnsmasqLogFile})";
            UpdateHealth();

            if (lastRestart is { } last && Stopwatch.GetElapsedTime(last) < QuickDeath)
            {
                logger.DhcpBackoff(Durations.Format(delay), paths.DnsmasqLogFile);
                await Task.Delay(delay, time, stoppingToken).ConfigureAwait(false);
                delay = Durations.Doubled(delay, MaxBackoff);
            }
            else
            {
                delay = FirstBackoff;
            }

            var trigger = AgentTrigger.Dhcp();
            await _triggers.Writer.WriteAsync(trigger, stoppingToken).ConfigureAwait(false);
            if (await trigger.Done.Task.WaitAsync(stoppingToken).ConfigureAwait(false))
            {
                telemetry.DhcpRestarted();
                telemetry.Drift("dhcp", false);
                _dhcpDown = "";
                UpdateHealth();
                Update(r => r with { DhcpRestarts = r.DhcpRestarts + 1 });
                WriteRecord();
            }

            lastRestart = Stopwatch.GetTimestamp();
        }
    }

    /// <summary>
    /// The cloud check: drift is reported (status, <c>cocoon_net_drift{component="cloud"}</c>) and repaired only
    /// with --repair-cloud; an unreachable cloud is reported as such and counts as no drift. Neither makes the
    /// agent unready: the host keeps serving its VMs.
    /// </summary>
    private async Task CloudAsync(TimeSpan interval, CancellationToken stoppingToken)
    {
        while (true)
        {
            await Task.Delay(Durations.Jittered(interval, _random), time, stoppingToken).ConfigureAwait(false);
            if (await cloudCheck.CheckAsync(options, stoppingToken).ConfigureAwait(false) is not { } verdict)
            {
                continue;
            }

            var repaired = false;
            string? repairError = null;
            if (options.RepairCloud && verdict.NeedsRepair)
            {
                // Queued like any reconcile: provisioning never runs beside one.
                var repair = AgentTrigger.Cloud(async ct =>
                {
                    try
                    {
                        await cloudCheck.RepairAsync(options, ct).ConfigureAwait(false);
                    }
                    catch (CloudRepairException e)
                    {
                        repairError = e.Message;
                        throw;
                    }
                });
                await _triggers.Writer.WriteAsync(repair, stoppingToken).ConfigureAwait(false);
                repaired = await repair.Done.Task.WaitAsync(stoppingToken).ConfigureAwait(false);
                repairError ??= repaired ? null : "the repair did not finish";
            }

            var drifted = verdict.Drifted && !repaired;
            if (verdict.Condition == CloudCondition.Unreachable)
            {
                logger.CloudUnreachable(verdict.Detail);
            }
            else if (repaired)
            {
                logger.CloudRepaired(verdict.Detail);
                foreach (var _ in verdict.Drift)
                {
                    telemetry.Repaired("cloud");
                }
            }
            else if (repairError is { } error)
            {
                logger.CloudRepairFailed(verdict.Detail, error);
            }
            else if (drifted)
            {
                logger.CloudDrift(verdict.Detail);
            }
            else if (_record.CloudDrift == true)
            {
                logger.CloudBack();
            }

            telemetry.Drift("cloud", drifted);
            var reachable = verdict.Condition != CloudCondition.Unreachable;
            Update(r => r with
            {
                CloudDrift = drifted,
                CloudDriftLines = drifted ? verdict.Drift : null,
                CloudReachable = reachable,
                CloudDetail = reachable ? null : verdict.Detail,
                Repairs = r.Repairs + (repaired ? verdict.Drift.Count : 0),
            });
            WriteRecord();
        }
    }

    /// <summary>WATCHDOG=1 at half systemd's watchdog interval, for as long as the agent runs.</summary>
    private IDisposable? StartWatchdog(CancellationToken stoppingToken)
    {
        if (!notifier.IsEnabled
            || !long.TryParse(Environment.GetEnvironmentVariable("WATCHDOG_USEC"), out var usec) || usec <= 0
            || (int.TryParse(Environment.GetEnvironmentVariable("WATCHDOG_PID"), out var forPid) && forPid != Environment.ProcessId))
        {
            return null;
        }

        var half = TimeSpan.FromMicroseconds(usec / 2.0);
        var watchdog = new ServiceState("WATCHDOG=1");
        // Fed only while the loop makes progress: a reconcile stuck in the kernel, a tool or a lock stops it.
        return time.CreateTimer(_ =>
        {
            var since = Interlocked.Read(ref _reconcilingSince);
            if (!stoppingToken.IsCancellationRequested && (since == 0 || Stopwatch.GetElapsedTime(since) < StuckAfter))
            {
                notifier.Notify(watchdog);
            }
        }, null, TimeSpan.Zero, half);
    }

    private void Finished(string kind, TimeSpan duration, Exception? error)
    {
        Interlocked.Increment(ref _finished);
        telemetry.Reconciled(kind, duration, error is null);
        Update(r => r with { LastReconcile = new AgentReconcile(time.GetUtcNow(), kind, error is null, error is null ? null : Reason(error)) });
        UpdateHealth();
        WriteRecord();
        if (error is not null)
        {
            Status($"degraded: last {kind} reconcile failed: {Reason(error)}");
        }
    }

    /// <summary>Host objects held back by the flap guard: drift of the host (metrics, /readyz) while any is.</summary>
    private void ReportHeld()
    {
        var held = drift.Held;
        telemetry.Drift("host", held.Count > 0);
        _held = held.Count == 0 ? "" : $"something keeps changing {string.Join(", ", held.Keys.Order(StringComparer.Ordinal))} back";
        Update(r => r with { Held = held.Count == 0 ? null : held.OrderBy(h => h.Key, StringComparer.Ordinal).Select(h => new AgentHeld(h.Key, h.Value)).ToList() });
        UpdateHealth();
    }

    /// <summary>
    /// Ready once the last reconcile succeeded, the drift watch is subscribed, DHCP serves and no host object is held
    /// back. DHCP down comes first: VMs get no address whatever else is right, and it is what <c>status</c> exits 3
    /// for. Cloud drift is not counted: it is reported (status, metrics) while the host keeps serving the VMs it can,
    /// and a load balancer pulling the node would not bring the cloud back.
    /// </summary>
    private void UpdateHealth()
    {
        // One writer at a time, so a reason computed from older facts never overwrites a newer one.
        lock (_healthGate)
        {
            health.Set(_dhcpDown.Length > 0 ? _dhcpDown
                : _record.LastReconcile is { Ok: false } last ? $"last {last.Kind} reconcile failed: {last.Error}"
                : _held.Length > 0 ? _held
                : _record.LastReconcile is null ? "starting: the first reconcile has not finished"
                : !_watched ? "starting: the drift watch is not subscribed yet"
                : "");
        }
    }

    private void Update(Func<AgentRecord, AgentRecord> change)
    {
        lock (_gate)
        {
            _record = change(_record);
        }
    }

    private void WriteRecord()
    {
        try
        {
            lock (_gate)
            {
                records.Write(_record);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // The record is for status; the node's service never depends on it.
        }
    }

    private void Describe(PoolState state)
    {
        telemetry.BuildInfo(HostVersion.Current, state.Plugin ?? state.Platform, state.PluginVersion ?? "");
        telemetry.Pool((state.Ips ?? []).Select(IPAddress.Parse).ToList());
    }

    private void Status(string text) => notifier.Notify(new ServiceState($"STATUS={text}"));

    /// <summary>
    /// Bad input and "no node" end the agent; anything else (the kernel, a tool, the cloud, the lock, a plugin's own
    /// HTTP timeout, which is a cancellation that is not the agent stopping) is retried.
    /// </summary>
    private static bool Retriable(Exception e, CancellationToken stoppingToken) =>
        !stoppingToken.IsCancellationRequested && e is not (UsageException or ExitCodeException);

    private static string Reason(Exception e) =>
        string.Join("; ", e.Message.Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries));

}

/// <summary>Why the agent ended on its own (bad input found at start), for the command's exit code and Error: line.</summary>
internal sealed class AgentExit
{
    public Exception? Failure { get; set; }
}
