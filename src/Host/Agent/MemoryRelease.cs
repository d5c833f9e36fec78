using CocoonNet.Node.Linux;
using Microsoft.Extensions.Logging;

namespace CocoonNet.Host.Agent;

/// <summary>
/// Once a quiet interval (<see cref="QuietBeforeRelease"/>, no reconcile finished or running) follows reconciles,
/// what they used is given back: the start's garbage and the code pages of plugin loading, the command line and
/// the pipeline, touched once and still counted in RSS. So a burst of repairs never pays for it, and the idle
/// agent's RSS is what its loop keeps touching; it costs a few milliseconds per resync and, later, a minor fault
/// per page touched again (the pages stay in the page cache).
/// </summary>
internal sealed class MemoryRelease(AgentStatus status, ReconcileClock busy, TimeProvider time, ILogger<MemoryRelease> logger)
{
    /// <summary>How long nothing must be reconciled before the memory the last reconciles used is given back.</summary>
    public static readonly TimeSpan QuietBeforeRelease = TimeSpan.FromSeconds(5);

    public async Task RunAsync(CancellationToken stoppingToken)
    {
        long released = 0, seen = -1;
        while (true)
        {
            await Task.Delay(QuietBeforeRelease, time, stoppingToken).ConfigureAwait(false);
            var finished = status.Finished;
            var quiet = finished == seen && !busy.Busy;
            seen = finished;
            if (!quiet || finished == released)
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
                // ends the agent.
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
}
