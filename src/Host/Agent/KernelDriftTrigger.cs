using CocoonNet.Node.State;

namespace CocoonNet.Host.Agent;

/// <summary>
/// Drift from kernel events: each batch the watcher yields becomes a repair. Watches the node as the agent holds it;
/// when a full reconcile finds pool.json describing another node (an init or adopt run alongside, a cloud repair:
/// other addresses, ENIs or subnet), the watch starts over on the new one.
/// </summary>
internal sealed class KernelDriftTrigger(IDriftWatcher drift, InMemoryNode node, ReconcileQueue queue, AgentStatus status)
{
    private readonly TaskCompletionSource _subscribed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    // The node the watch follows and how to stop it (set by the watch, read by the reconciling loop).
    private volatile WatchedNode? _watching;

    /// <summary>Completes once the first watch has subscribed: from then on a change to the node is seen.</summary>
    public Task Subscribed => _subscribed.Task;

    public async Task RunAsync(PoolState state, CancellationToken stoppingToken)
    {
        while (true)
        {
            using var watch = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
            _watching = new WatchedNode(ScopeKey(state), watch);
            try
            {
                // Subscribed when WatchAsync returns, before the first batch is asked for.
                var batches = drift.WatchAsync(node.Scope(state), watch.Token);
                _subscribed.TrySetResult();
                await foreach (var batch in batches.ConfigureAwait(false))
                {
                    if (batch.Scope == RepairScope.None)
                    {
                        // Only a hold began (the flap guard): report it (status, /readyz, metrics), nothing to repair.
                        status.ReportHeld();
                        status.WriteRecord();
                        continue;
                    }

                    queue.Add(AgentTrigger.Repair(batch));
                }
            }
            catch (OperationCanceledException) when (!stoppingToken.IsCancellationRequested)
            {
            }

            _watching = null;
            state = node.State ?? await node.LoadAsync(stoppingToken).ConfigureAwait(false) ?? state;
            status.Describe(state);
        }
    }

    /// <summary>After a full reconcile: restarts the watch when the node now held describes another one.</summary>
    public void RescopeIfChanged()
    {
        if (_watching is { } watching && node.State is { } now && ScopeKey(now) != watching.Key)
        {
            try
            {
                watching.Stop.Cancel();
            }
            catch (ObjectDisposedException)
            {
                // That watch already ended; the next one starts from the node held then.
            }
        }
    }

    private static string ScopeKey(PoolState state) =>
        $"{state.Platform}|{state.Subnet}|{string.Join(',', state.Ips ?? [])}|{string.Join(',', state.EniIds ?? [])}|{string.Join(',', state.SecondaryNics ?? [])}";

    private sealed record WatchedNode(string Key, CancellationTokenSource Stop);
}
