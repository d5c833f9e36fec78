using CocoonNet.Node.State;

namespace CocoonNet.Node.Pipeline;

/// <summary>
/// The footprint a run changes and the rule for persisting it: the pipeline reports every boundary of a change
/// (<see cref="SaveIfChangedAsync"/>) and the footprint is written only when it moved away from what was last
/// written. Where it is written is the subclass's business (<c>NodeCheckpoint</c>: pool.json).
/// </summary>
internal abstract class FootprintCheckpoint
{
    private HostFootprint _written;

    /// <param name="footprint">The live footprint, as last written; the steps change this very object.</param>
    protected FootprintCheckpoint(HostFootprint footprint)
    {
        Footprint = footprint;
        _written = footprint.Snapshot();
    }

    public HostFootprint Footprint { get; }

    /// <summary>Whether the footprint moved away from what was last written.</summary>
    public bool Changed => Footprint != _written;

    /// <summary>Writes the footprint when it changed since it was last written.</summary>
    public Task SaveIfChangedAsync(CancellationToken cancellationToken) =>
        Changed ? SaveAsync(cancellationToken) : Task.CompletedTask;

    /// <summary>Writes the footprint (with whatever else the subclass keeps beside it).</summary>
    public async Task SaveAsync(CancellationToken cancellationToken)
    {
        // A snapshot: the footprint keeps changing as steps apply, what was written must not.
        var snapshot = Footprint.Snapshot();
        await WriteAsync(snapshot, cancellationToken).ConfigureAwait(false);
        _written = snapshot;
    }

    /// <summary>Persists <paramref name="footprint"/>, durable when it returns.</summary>
    protected abstract Task WriteAsync(HostFootprint footprint, CancellationToken cancellationToken);
}
