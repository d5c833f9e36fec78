using CocoonNet.Node.Engine;

namespace CocoonNet.Host.Agent;

/// <summary>
/// The node the agent serves, as its last full read concluded (the start, a full reconcile): a target, or null when
/// there is no node. What runs beside the reconciles and depends on pool.json's choices (the embedded DHCP server,
/// dnsmasq's supervision) waits here for the next one instead of polling the file. Repairs from memory publish
/// nothing: they never change what the node is.
/// </summary>
internal sealed class NodeChanges
{
    private volatile Published _current = new(null, NewSignal());

    private sealed record Published(NodeTarget? Target, TaskCompletionSource Replaced);

    /// <summary>The node as last published; null before the first read and when there is no node.</summary>
    public NodeTarget? Current => _current.Target;

    /// <summary>Called by <see cref="InMemoryNode"/> once a read of pool.json concluded.</summary>
    public void Publish(NodeTarget? target)
    {
        var previous = Interlocked.Exchange(ref _current, new Published(target, NewSignal()));
        previous.Replaced.TrySetResult();
    }

    /// <summary>The next node published after <paramref name="seen"/> (at once when one already was).</summary>
    public async Task<NodeTarget?> NextAsync(NodeTarget? seen, CancellationToken cancellationToken)
    {
        while (true)
        {
            var current = _current;
            if (!ReferenceEquals(current.Target, seen))
            {
                return current.Target;
            }

            await current.Replaced.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
