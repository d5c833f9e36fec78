using System.Runtime.CompilerServices;
using CocoonNet.Node.Linux.Netlink;
using Microsoft.Extensions.Logging;

namespace CocoonNet.Host.Agent.Drift;

/// <summary>
/// <see cref="IDriftWatcher"/> over an rtnetlink socket subscribed to link, IPv4 address and IPv4 route
/// notifications. Each notification is classified against the node (<see cref="DriftClassifier"/>), a burst is
/// gathered into one batch (<see cref="DriftDebouncer"/>), and an object that keeps drifting back is held
/// (<see cref="FlapGuard"/>, readable through <see cref="Flaps"/>). Lost notifications (receive buffer overflow)
/// give one batch of every scope. The sockets belong to the network namespace of the thread that calls
/// <see cref="WatchAsync"/>.
/// </summary>
internal sealed class NetlinkDriftWatcher(TimeProvider time, ILogger<NetlinkDriftWatcher> logger) : IDriftWatcher
{
    public const RepairScope Everything = RepairScope.Routes | RepairScope.Bridge | RepairScope.ForeignLocalRoutes | RepairScope.Nics;

    /// <summary>Notifications read in a row before a batch is judged, so a steady stream cannot hold one back.</summary>
    private const int MaxDrained = 256;

    private const uint Groups = NetlinkEventSocket.GroupLink | NetlinkEventSocket.GroupIpv4Address | NetlinkEventSocket.GroupIpv4Route;

    /// <summary>Objects on hold because they keep drifting back (for status and metrics).</summary>
    public FlapGuard Flaps { get; init; } = new(time);

    public IReadOnlyDictionary<string, DateTimeOffset> Held => Flaps.Holding;

    public TimeSpan Quiet { get; init; } = DriftDebouncer.DefaultQuiet;

    public TimeSpan Cap { get; init; } = DriftDebouncer.DefaultCap;

    /// <summary>The receive buffer; tests make it small to see an overflow.</summary>
    public int ReceiveBufferBytes { get; init; } = 8 << 20;

    /// <summary>Subscribes here, before returning: what changes from now on is seen.</summary>
    public IAsyncEnumerable<RepairBatch> WatchAsync(DriftScope scope, CancellationToken cancellationToken)
    {
        var events = new NetlinkEventSocket(Groups, ReceiveBufferBytes);
        var kernel = new NetlinkKernelNetwork();
        try
        {
            // Listed after subscribing, so a link change in between is seen as an event.
            var classifier = new DriftClassifier(scope, kernel.ListLinks());
            return BatchesAsync(events, kernel, scope, classifier, cancellationToken);
        }
        catch
        {
            events.Dispose();
            kernel.Dispose();
            throw;
        }
    }

    private async IAsyncEnumerable<RepairBatch> BatchesAsync(
        NetlinkEventSocket events,
        NetlinkKernelNetwork kernel,
        DriftScope scope,
        DriftClassifier classifier,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var buffer = new byte[64 * 1024];
        var debouncer = new DriftDebouncer(Quiet, Cap);
        var held = new Dictionary<string, (DriftObservation Observation, TimeSpan Until)>(StringComparer.Ordinal);
        Task<int>? receive = null;
        var drained = 0;
        try
        {
            while (true)
            {
                receive ??= events.ReceiveAsync(buffer, cancellationToken).AsTask();
                if (!receive.IsCompleted)
                {
                    await WaitAsync(receive, Earliest(debouncer.DueAt, held), cancellationToken).ConfigureAwait(false);
                }

                if (receive.IsCompleted)
                {
                    var completed = receive;
                    receive = null;
                    if (completed.IsFaulted && completed.Exception?.InnerException is NetlinkEventsLostException)
                    {
                        logger.EventsLost();
                        _ = debouncer.Take();
                        held.Clear();
                        classifier = new DriftClassifier(scope, kernel.ListLinks());
                        drained = 0;
                        yield return new RepairBatch(Everything, []);
                        continue;
                    }

                    var length = await completed.ConfigureAwait(false);
                    var now = MonotonicTime.Now(time);
                    foreach (var e in KernelEventDecoder.Decode(buffer.AsSpan(0, length)))
                    {
                        if (classifier.Classify(e) is { } observation)
                        {
                            debouncer.Observe(observation, now);
                            if (!observation.Drifted)
                            {
                                held.Remove(observation.Key);
                            }
                        }
                    }

                    // Each notification is its own datagram: what one change caused (an address and its link
                    // deleted together) is already queued. Those are read before the batch is judged, without
                    // waiting for more: a receive that completes at once has them.
                    receive = events.ReceiveAsync(buffer, cancellationToken).AsTask();
                    if (receive.IsCompleted && ++drained < MaxDrained)
                    {
                        continue;
                    }
                }

                drained = 0;
                if (Due(debouncer, held) is { } batch)
                {
                    yield return batch;
                }
            }
        }
        finally
        {
            // A receive still pending ends with the socket; nobody awaits it any more.
            _ = receive?.ContinueWith(t => t.Exception, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            events.Dispose();
            kernel.Dispose();
        }
    }

    /// <summary>Waits for the receive, or until <paramref name="wake"/> when something is pending.</summary>
    private async Task WaitAsync(Task<int> receive, TimeSpan? wake, CancellationToken cancellationToken)
    {
        if (wake is not { } at)
        {
            await ((Task)receive).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            cancellationToken.ThrowIfCancellationRequested();
            return;
        }

        var delay = at - MonotonicTime.Now(time);
        if (delay <= TimeSpan.Zero)
        {
            return;
        }

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var timer = Task.Delay(delay, time, stop.Token);
        await Task.WhenAny(receive, timer).ConfigureAwait(false);
        await stop.CancelAsync().ConfigureAwait(false);
        cancellationToken.ThrowIfCancellationRequested();
    }

    private RepairBatch? Due(DriftDebouncer debouncer, Dictionary<string, (DriftObservation Observation, TimeSpan Until)> held)
    {
        var now = MonotonicTime.Now(time);
        var candidates = new List<DriftObservation>();
        if (debouncer.DueAt <= now)
        {
            candidates.AddRange(debouncer.Take());
        }

        foreach (var (key, entry) in held.Where(h => h.Value.Until <= now).ToList())
        {
            held.Remove(key);
            candidates.Add(entry.Observation);
        }

        var repair = new List<DriftObservation>();
        var holdStarted = false;
        foreach (var observation in candidates.DistinctBy(o => o.Key))
        {
            if (Flaps.TryRepair(observation.Key, out var until, out var started))
            {
                repair.Add(observation);
                continue;
            }

            held[observation.Key] = (observation, until);
            holdStarted |= started;
            if (started)
            {
                logger.Flapping(observation.Key, Flaps.Limit, Flaps.Window.TotalSeconds, MonotonicTime.ToWall(time, until));
            }
        }

        if (repair.Count == 0)
        {
            // Nothing to repair, but a hold began: an empty batch, so the agent reports it now.
            return holdStarted ? new RepairBatch(RepairScope.None, []) : null;
        }

        if (logger.IsEnabled(LogLevel.Debug))
        {
            logger.Drifted(string.Join(", ", repair.Select(o => o.Key)));
        }

        return new RepairBatch(repair.Aggregate(RepairScope.None, (s, o) => s | o.Scope), repair.Select(o => o.Kind).ToList());
    }

    private static TimeSpan? Earliest(TimeSpan? due, Dictionary<string, (DriftObservation Observation, TimeSpan Until)> held)
    {
        var earliest = due;
        foreach (var (_, until) in held.Values)
        {
            if (earliest is null || until < earliest)
            {
                earliest = until;
            }
        }

        return earliest;
    }
}
