using Microsoft.Extensions.Hosting.Systemd;

namespace CocoonNet.Host.Agent;

/// <summary>WATCHDOG=1 at half systemd's watchdog interval, for as long as the agent runs and its loop makes progress.</summary>
internal sealed class AgentWatchdog(ISystemdNotifier notifier, ReconcileClock clock, TimeProvider time)
{
    /// <summary>The timer feeding systemd's watchdog; null when systemd asked for none (or asked another process).</summary>
    public IDisposable? Start(CancellationToken stoppingToken)
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
            if (!stoppingToken.IsCancellationRequested && !clock.Stuck)
            {
                notifier.Notify(watchdog);
            }
        }, null, TimeSpan.Zero, half);
    }
}
