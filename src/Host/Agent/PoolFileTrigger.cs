namespace CocoonNet.Host.Agent;

/// <summary>
/// A full reconcile as soon as another writer replaces pool.json (an init, adopt or teardown run beside the agent), so
/// the agent serves the choices just recorded (isolation, anti-spoofing, the DHCP backend...) within moments instead of
/// at the next resync. inotify on the state directory (FileSystemWatcher); writers replace the file by rename, so its
/// name's creation, rename and deletion are what count. The agent's own writes are told apart by the stamp it keeps.
/// The reconcile waits for the writer's state lock like any other, so it reads the file the writer finished.
/// </summary>
internal sealed class PoolFileTrigger(AgentOptions options, InMemoryNode node, ReconcileQueue queue, TimeProvider time)
{
    /// <summary>How long a burst of events (a temp file, then the rename) settles before one reconcile is queued.</summary>
    public static readonly TimeSpan Settle = TimeSpan.FromMilliseconds(50);

    public async Task RunAsync(CancellationToken stoppingToken)
    {
        using var changed = new SemaphoreSlim(0);
        FileSystemWatcher watcher;
        try
        {
            watcher = new FileSystemWatcher(options.StateDirectory, Node.State.PoolStateStore.FileName)
            {
                NotifyFilter = NotifyFilters.FileName | NotifyFilters.LastWrite,
            };
        }
        catch (Exception e) when (e is ArgumentException or IOException)
        {
            // No state directory (torn down under the agent): nothing to watch; the resync still reads pool.json.
            await Task.Delay(Timeout.InfiniteTimeSpan, time, stoppingToken).ConfigureAwait(false);
            return;
        }

        using var _ = watcher;
        FileSystemEventHandler signal = (_, _) => changed.Release();
        watcher.Created += signal;
        watcher.Changed += signal;
        watcher.Deleted += signal;
        watcher.Renamed += (_, _) => changed.Release();
        watcher.EnableRaisingEvents = true;
        while (true)
        {
            await changed.WaitAsync(stoppingToken).ConfigureAwait(false);
            await Task.Delay(Settle, time, stoppingToken).ConfigureAwait(false);
            while (changed.CurrentCount > 0)
            {
                await changed.WaitAsync(stoppingToken).ConfigureAwait(false);
            }

            if (!node.HoldsCurrentFile)
            {
                queue.Add(AgentTrigger.Full());
            }
        }
    }
}
