using System.Diagnostics;

namespace CocoonNet.Host.Agent;

/// <summary>When the reconcile in progress began: the watchdog stops being fed when one is stuck, and memory is given back only between them.</summary>
internal sealed class ReconcileClock
{
    /// <summary>A reconcile running longer than this is stuck: the watchdog stops being fed, and systemd restarts the agent.</summary>
    public static readonly TimeSpan StuckAfter = TimeSpan.FromMinutes(2);

    // Stopwatch timestamp of the reconcile in progress, 0 when the loop is idle.
    private long _since;

    public bool Busy => Interlocked.Read(ref _since) != 0;

    public bool Stuck => Interlocked.Read(ref _since) is var since && since != 0 && Stopwatch.GetElapsedTime(since) >= StuckAfter;

    public void Begin(long timestamp) => Interlocked.Exchange(ref _since, timestamp);

    public void End() => Interlocked.Exchange(ref _since, 0);
}
