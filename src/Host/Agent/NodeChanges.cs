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
    private volatile Published _current = new(null, NewSignal(), null, PoolStamp.Missing);

    private sealed record Published(NodeTarget? Target, TaskCompletionSource Replaced, string? Path, PoolStamp Stamp);

    /// <summary>The node as last published; null before the first read and when there is no node.</summary>
    public NodeTarget? Current => _current.Target;

    /// <summary>
    /// The published node while pool.json is still the file it was read from (a stat, no read); null once another
    /// writer replaced it. A node published without its file (a test's) is fresh. An init or adopt run beside the agent may have recorded other choices (isolation off, say):
    /// what reacts to the kernel at once must not act on the old ones until the agent has read the new file.
    /// </summary>
    public NodeTarget? Fresh => _current is { Target: { } target } published
        && (published.Path is not { } path || PoolStamp.Of(path) == published.Stamp) ? target : null;

    /// <summary>Called by <see cref="InMemoryNode"/> once a read of pool.json (at <paramref name="path"/>, stamped <paramref name="stamp"/>) concluded.</summary>
    public void Publish(NodeTarget? target, string? path = null, PoolStamp stamp = default)
    {
        var previous = Interlocked.Exchange(ref _current, new Published(target, NewSignal(), path, stamp));
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
