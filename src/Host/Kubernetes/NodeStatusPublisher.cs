using System.Collections.Concurrent;
using System.Threading.Channels;
using CocoonNet.Host.Agent;
using Microsoft.Extensions.Logging;

namespace CocoonNet.Host.Kubernetes;

/// <summary>
/// Publishes the agent's state on its Node: condition CocoonNetReady, the extended resource cocoonstack.io/vm-ip,
/// and Events. It only reads what the agent keeps anyway (health, counters) on its own timer, so the API being slow
/// or away never holds up a repair; the latest state wins, and a failed patch is retried with backoff.
/// </summary>
internal sealed class NodeStatusPublisher(INodeApi api, string nodeName, TimeProvider time, ILogger logger)
{
    /// <summary>How often the state is compared with what was published.</summary>
    public static readonly TimeSpan Tick = TimeSpan.FromSeconds(1);

    /// <summary>lastHeartbeatTime is refreshed this often even when nothing changed.</summary>
    public static readonly TimeSpan Heartbeat = TimeSpan.FromMinutes(1);

    private static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(30);

    private readonly Channel<NodeEventNote> _events = Channel.CreateBounded<NodeEventNote>(
        new BoundedChannelOptions(32) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true });

    private readonly ConcurrentQueue<string> _repaired = new();
    private volatile IAgentHealth? _health;
    private volatile Verdict? _override;
    private volatile ClusterNode? _node;
    private int _poolSize = -1;
    private int _failures;

    /// <summary>The condition as last published (tests and the agent read it).</summary>
    public Verdict? Published { get; private set; }

    /// <summary>The condition's status, reason and one-line message.</summary>
    public sealed record Verdict(bool Ready, string Reason, string Message);

    /// <summary>Follows this agent host's health (null between hosts: the override or "Starting").</summary>
    public void Attach(IAgentHealth? health) => _health = health;

    /// <summary>A state the agent decides itself (NotConfigured, InvalidAnnotation); null hands back to the health.</summary>
    public void Override(Verdict? verdict) => _override = verdict;

    /// <summary>The Node the Events are about (its uid).</summary>
    public void Node(ClusterNode node) => _node = node;

    public void Note(NodeEventNote note) => _events.Writer.TryWrite(note);

    /// <summary>The agent's telemetry, also counted here (repair batches, failures, the pool's size).</summary>
    public IAgentTelemetry Tee(IAgentTelemetry inner) => new PublishingTelemetry(inner, this);

    public Verdict Desired()
    {
        if (_override is { } decided)
        {
            return decided;
        }

        if (_health is not { } health)
        {
            return new Verdict(false, "Starting", "the agent is starting");
        }

        var reason = health.Reason;
        return health.Ready ? new Verdict(true, "Reconciled", "the node matches pool.json")
            : reason.StartsWith("starting", StringComparison.Ordinal) ? new Verdict(false, "Starting", reason)
            : reason.StartsWith(AgentHealth.DhcpDown, StringComparison.Ordinal) ? new Verdict(false, "DhcpDown", reason)
            : reason.Contains("reconcile failed", StringComparison.Ordinal) ? new Verdict(false, "ReconcileFailed", reason)
            : new Verdict(false, "Degraded", reason);
    }

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var events = SendEventsAsync(cancellationToken);
        Verdict? last = null;
        int? lastPool = null;
        var transition = time.GetUtcNow();
        var beat = DateTimeOffset.MinValue;
        var delay = Tick;
        var retryAt = DateTimeOffset.MinValue;
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                BatchRepairs();
                var desired = Desired();
                var pool = Volatile.Read(ref _poolSize) is var p and >= 0 ? p : (int?)null;
                var now = time.GetUtcNow();
                if ((desired != last || pool != lastPool || now - beat >= Heartbeat) && now >= retryAt)
                {
                    // lastTransitionTime moves only when the status flips (NodeCondition's contract), not on a new reason.
                    var changedAt = last is null || last.Ready != desired.Ready ? now : transition;
                    try
                    {
                        await api.PatchStatusAsync(nodeName, new NodeStatusUpdate(desired.Ready, desired.Reason, AnnotationText.Message(desired.Message), now, changedAt, pool), cancellationToken)
                            .ConfigureAwait(false);
                        last = desired;
                        lastPool = pool;
                        transition = changedAt;
                        beat = now;
                        delay = Tick;
                        Published = desired;
                    }
                    catch (Exception e) when (!cancellationToken.IsCancellationRequested)
                    {
                        delay = Durations.Doubled(delay, MaxBackoff);
                        retryAt = now + delay;
                        logger.PublishFailed(Durations.Format(delay), e.Message);
                    }
                }

                await Task.Delay(Tick, time, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }

        _events.Writer.TryComplete();
        await events.ConfigureAwait(false);
    }

    /// <summary>One Event per batch of repairs (whatever the agent repaired since the last tick).</summary>
    private void BatchRepairs()
    {
        var kinds = new List<string>();
        while (_repaired.TryDequeue(out var kind))
        {
            kinds.Add(kind);
        }

        if (kinds.Count > 0)
        {
            var summary = string.Join(", ", kinds.GroupBy(k => k, StringComparer.Ordinal).Select(g => g.Count() == 1 ? g.Key : $"{g.Count()} {g.Key}"));
            Note(new NodeEventNote("Repaired", $"cocoon-net repaired {summary}", false));
        }

        if (Interlocked.Exchange(ref _failures, 0) > 0 && Desired() is { Ready: false } failed)
        {
            Note(new NodeEventNote("ReconcileFailed", failed.Message, true));
        }
    }

    /// <summary>Events are best effort: each is tried (with the API's retries) and dropped with a log if it still fails.</summary>
    private async Task SendEventsAsync(CancellationToken cancellationToken)
    {
        try
        {
            await foreach (var note in _events.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
            {
                if (_node is not { } node)
                {
                    continue;
                }

                try
                {
                    await api.CreateEventAsync(node, note with { Message = AnnotationText.Message(note.Message) }, cancellationToken).ConfigureAwait(false);
                }
                catch (Exception e) when (!cancellationToken.IsCancellationRequested)
                {
                    logger.PublishFailed("the next event", e.Message);
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }

    private sealed class PublishingTelemetry(IAgentTelemetry inner, NodeStatusPublisher publisher) : IAgentTelemetry
    {
        public void BuildInfo(string version, string plugin, string pluginVersion) => inner.BuildInfo(version, plugin, pluginVersion);

        public void Pool(IReadOnlyList<System.Net.IPAddress> ips)
        {
            inner.Pool(ips);
            Volatile.Write(ref publisher._poolSize, ips.Count);
        }

        public void Reconciled(string kind, TimeSpan duration, bool succeeded)
        {
            inner.Reconciled(kind, duration, succeeded);
            if (!succeeded)
            {
                Interlocked.Increment(ref publisher._failures);
            }
        }

        public void Repaired(string kind)
        {
            inner.Repaired(kind);
            publisher._repaired.Enqueue(kind);
        }

        public void DhcpRestarted() => inner.DhcpRestarted();

        public void Drift(string component, bool drifted) => inner.Drift(component, drifted);
    }
}
