using CocoonNet.Abstractions;
using CocoonNet.Node.Pipeline;
using CocoonNet.Node.State;

namespace CocoonNet.Node.Engine;

/// <summary>
/// The one owner of pool.json while the node changes: the store, the state as last written (<see cref="Saved"/>), the
/// state the run wants (<see cref="Desired"/>) and the live footprint. It decides when the file is written: before
/// the first host change and after the last, at every pipeline boundary where the footprint moved (write-ahead: a
/// claim is on disk before its action runs), at each of a provider's checkpoints, and never when the content is the
/// same. Each write is a crash point (<c>state/N</c>, <c>cloud-checkpoint/N</c>).
/// <para>
/// A caller that keeps the node in memory (the agent) passes <c>takeLock</c>: the state lock is then taken only
/// when a write is due, held to the end of the run (<see cref="EndRun"/>), and the file is left alone otherwise.
/// </para>
/// </summary>
internal sealed class NodeCheckpoint : FootprintCheckpoint
{
    private readonly Func<CancellationToken, Task<IDisposable>>? _takeLock;
    private IDisposable? _lock;

    /// <param name="store">Where the node's pool.json lives.</param>
    /// <param name="saved">What pool.json holds now (null: no file); its footprint is where the run starts.</param>
    /// <param name="desired">The state the run wants, its footprint aside; an apply replaces it with its target's.</param>
    /// <param name="takeLock">
    /// Null when the caller already holds the state lock; else takes it (and confirms pool.json is still
    /// <paramref name="saved"/>), called at most once per run, only when a write is due.
    /// </param>
    public NodeCheckpoint(PoolStateStore store, PoolState? saved, PoolState desired, Func<CancellationToken, Task<IDisposable>>? takeLock = null)
        : base((saved?.Host ?? new HostFootprint()).Snapshot())
    {
        Store = store;
        Saved = saved;
        Desired = desired;
        _takeLock = takeLock;
    }

    public PoolStateStore Store { get; }

    /// <summary>The state as pool.json holds it (null: no file yet).</summary>
    public PoolState? Saved { get; private set; }

    /// <summary>The state the run wants, apart from its footprint (which is <see cref="FootprintCheckpoint.Footprint"/>).</summary>
    public PoolState Desired { get; set; }

    /// <summary>The line a run's summary shows for pool.json: written, updated, or null when it stays as it is.</summary>
    public string? PendingChange() =>
        Saved is null ? $"+ write {Store.Path}"
        : !Next(Footprint).SameContentAs(Saved) ? $"~ update {Store.Path}"
        : null;

    /// <summary>
    /// A provider's checkpoint: <paramref name="resources"/> recorded on what pool.json holds, or on the desired state
    /// without its addresses when there is no file yet (a fresh node's first write comes before its first cloud mutation).
    /// </summary>
    public async Task SaveResourcesAsync(CloudResources resources, CancellationToken cancellationToken)
    {
        var next = StateResources.With(Saved ?? (Desired with { Ips = null }), resources);
        await LockIfDueAsync(next, cancellationToken).ConfigureAwait(false);
        Saved = CrashPoints.Around("cloud-checkpoint", () => Store.Save(next, Saved));
    }

    /// <summary>Removes pool.json: the node is gone.</summary>
    public void Delete()
    {
        CrashPoints.Around("state-delete", Store.Delete);
        Saved = null;
    }

    /// <summary>Releases the state lock a write of this run took (none: nothing to do).</summary>
    public void EndRun()
    {
        _lock?.Dispose();
        _lock = null;
    }

    protected override async Task WriteAsync(HostFootprint footprint, CancellationToken cancellationToken)
    {
        var next = Next(footprint);
        await LockIfDueAsync(next, cancellationToken).ConfigureAwait(false);
        Saved = CrashPoints.Around("state", () => Store.Save(next, Saved));
    }

    private PoolState Next(HostFootprint footprint) => Desired with { Host = footprint };

    private async Task LockIfDueAsync(PoolState next, CancellationToken cancellationToken)
    {
        if (_takeLock is not null && _lock is null && (Saved is null || !next.SameContentAs(Saved)))
        {
            _lock = await _takeLock(cancellationToken).ConfigureAwait(false);
        }
    }
}
