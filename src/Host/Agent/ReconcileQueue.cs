namespace CocoonNet.Host.Agent;

/// <summary>
/// The one queue every trigger feeds and the reconciling loop drains, one trigger at a time. A drift repair that is
/// still waiting absorbs the next one: the first event of a burst is acted on at once, and what arrives while that
/// repair runs becomes a single repair after it.
/// </summary>
internal sealed class ReconcileQueue : IDisposable
{
    private readonly Lock _gate = new();
    private readonly List<AgentTrigger> _pending = [];
    private readonly SemaphoreSlim _ready = new(0);

    public void Add(AgentTrigger trigger)
    {
        lock (_gate)
        {
            var waiting = trigger.Mergeable ? _pending.FindIndex(t => t.Mergeable) : -1;
            if (waiting >= 0)
            {
                _pending[waiting] = _pending[waiting].Merge(trigger);
                return;
            }

            _pending.Add(trigger);
        }

        _ready.Release();
    }

    /// <summary>Queues <paramref name="trigger"/> and waits for its reconcile: true when it succeeded.</summary>
    public async Task<bool> RunAsync(AgentTrigger trigger, CancellationToken cancellationToken)
    {
        Add(trigger);
        return await trigger.Done.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The next trigger, in the order they came (a merged repair keeps the place of the first).</summary>
    public async Task<AgentTrigger> NextAsync(CancellationToken cancellationToken)
    {
        await _ready.WaitAsync(cancellationToken).ConfigureAwait(false);
        lock (_gate)
        {
            var next = _pending[0];
            _pending.RemoveAt(0);
            return next;
        }
    }

    public void Dispose() => _ready.Dispose();
}
