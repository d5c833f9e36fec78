using CocoonNet.Host.Plugins;
using System.Net;
using CocoonNet.Abstractions;
using CocoonNet.Node.Engine;
using CocoonNet.Node.Pipeline;
using CocoonNet.Node.State;

namespace CocoonNet.Host.Agent;

/// <summary>
/// The node as the agent holds it between reconciles: pool.json's state, the desired host built from it, the
/// footprint and what the backend said to watch. The only place the agent drives the engine.
/// <para>
/// A full reconcile takes the state lock, reads pool.json, resolves the plugin and runs the plan, then remembers
/// the result. A repair of host objects (bridge, routes, DHCP) runs just those steps from memory: no pool.json read,
/// no lock, no plugin call, so a kernel event is answered within a millisecond or two. The memory is trusted only
/// while pool.json's identity (inode, size, mtime; a stat, never an open) is the one it was read with: an init,
/// adopt or teardown run alongside writes a new file, and the next repair then takes the locked path and reads it.
/// A repair whose footprint changes saves it under the lock, as every writer of pool.json does.
/// </para>
/// </summary>
internal sealed class InMemoryNode(
    PlatformRegistry registry,
    NodeEngine engine,
    RuntimeSettings runtime,
    AgentOptions options,
    NodeChanges changes,
    TimeProvider time)
{
    /// <summary>How long a reconcile waits for the lock held by a one-shot command before it gives up until the next trigger.</summary>
    public static readonly TimeSpan LockWait = TimeSpan.FromSeconds(5);

    // Replaced whole, never changed in place: read by the drift watch, written by the reconciling loop.
    private volatile Remembered? _node;

    /// <summary>The node as last read from pool.json; null before the first read or when there is no node.</summary>
    public PoolState? State => _node?.State;

    private PoolStateStore Store => new(options.StateDirectory, time);

    /// <summary>The recorded node, or null when there is none (never set up, torn down, or a failed first init).</summary>
    public static PoolState? Recorded(string stateDirectory, TimeProvider time) =>
        new PoolStateStore(stateDirectory, time).LoadProvisioned();

    /// <summary>
    /// The recorded subnet against the live node, before the agent's first reconcile of it changes anything: a usage
    /// error naming pool.json when the node's own addresses or next hops lie inside it. Nothing recorded: nothing to check.
    /// </summary>
    public void CheckRecorded()
    {
        var store = Store;
        if (store.LoadProvisioned() is { } state && IPNetwork.TryParse(state.Subnet, out var subnet)
            && engine.SubnetRefusal(subnet, $"{store.Path} subnet", state) is { } refusal)
        {
            throw new UsageException(refusal);
        }
    }

    /// <summary>
    /// Reads the node the start left in pool.json (no change to the host); null when there is none. The plugin is
    /// asked what to watch once here, and again only when a full reconcile reads pool.json anew.
    /// </summary>
    public async Task<PoolState?> LoadAsync(CancellationToken cancellationToken)
    {
        var store = Store;
        // Stamped before the read: a write in between leaves an older stamp, so the next repair reads again.
        var stamp = PoolStamp.Of(store.Path);
        if (store.LoadProvisioned() is not { } state)
        {
            _node = null;
            changes.Publish(null);
            return null;
        }

        _node = registry.Backend(state.Platform) is { } backend
            ? new Remembered(state, await WatchedAsync(Target(state), backend, cancellationToken).ConfigureAwait(false), backend, stamp)
            : null;
        changes.Publish(_node?.Target, store.Path, stamp);
        return state;
    }

    /// <summary>What the drift watcher watches: the pool's routes, the bridge and the NICs the backend keeps up.</summary>
    public DriftScope Scope(PoolState state) =>
        new(IPNetwork.Parse(state.Subnet), (state.Ips ?? []).Select(IPAddress.Parse).ToList(), HostSpec.Bridge,
            _node?.Target.Watch?.NicsKeptUp ?? []);

    /// <summary>
    /// Runs <paramref name="parts"/> of the host plan (null: all of it) through the locked path: pool.json read under
    /// the state lock, the plugin resolved. False when there is no node to serve any more.
    /// </summary>
    public async Task<bool> ReconcileAsync(NodeParts? parts, CancellationToken cancellationToken)
    {
        var store = Store;
        if (!Directory.Exists(options.StateDirectory) || store.LoadProvisioned() is null)
        {
            _node = null;
            changes.Publish(null);
            return false;
        }

        using var stateLock = await StateLock.AcquireAsync(options.StateDirectory, LockWait, cancellationToken).ConfigureAwait(false);
        // Read under the lock: an adopt or teardown that ran meanwhile decides what the node is now.
        if (store.LoadProvisioned() is not { } state)
        {
            _node = null;
            changes.Publish(null);
            return false;
        }

        _node = null;
        var backend = registry.Backend(state.Platform)
            ?? throw new InvalidOperationException(
                $"no loaded plugin serves platform {state.Platform}, which {store.Path} records; install it (see 'cocoon-net plugins')");
        var checkpoint = new NodeCheckpoint(store, state, state);
        var target = await engine.ApplyAsync(Target(state), backend, checkpoint, engine.Report(dryRun: false), Selection(parts), cancellationToken)
            .ConfigureAwait(false);

        // Still under the lock, so no other writer: the file as this run left it is the one the memory stands for.
        _node = checkpoint.Saved is { } saved ? new Remembered(saved, target, backend, PoolStamp.Of(store.Path)) : null;
        changes.Publish(_node?.Target, store.Path, _node?.Stamp ?? PoolStamp.Missing);
        return _node is not null;
    }

    /// <summary>True while pool.json is the file the agent last read (or wrote); false once another writer replaced it.</summary>
    public bool HoldsCurrentFile => _node is { } node && PoolStamp.Of(Store.Path) == node.Stamp;

    /// <summary>
    /// Repairs <paramref name="parts"/> from memory while pool.json is the file last read; otherwise (or when the
    /// backend must prepare the host again, a plugin call) through the locked path.
    /// </summary>
    public async Task<bool> RepairAsync(NodeParts parts, CancellationToken cancellationToken)
    {
        if (_node is not { } node || parts.HasFlag(NodeParts.Prepare) || PoolStamp.Of(Store.Path) != node.Stamp)
        {
            return await ReconcileAsync(parts, cancellationToken).ConfigureAwait(false);
        }

        // The checkpoint takes the state lock only if the repair moves the footprint (a write is due), and then only
        // over the file this memory was read from.
        var checkpoint = new NodeCheckpoint(Store, node.State, node.State, ct => LockUnchangedAsync(node, ct));
        try
        {
            await engine.ApplyAsync(node.Target, node.Backend, checkpoint, engine.Report(dryRun: false), Selection(parts), cancellationToken)
                .ConfigureAwait(false);
        }
        catch (StaleNodeException)
        {
            return await ReconcileAsync(parts, cancellationToken).ConfigureAwait(false);
        }

        if (!ReferenceEquals(checkpoint.Saved, node.State))
        {
            // pool.json was written (and the lock released since): read it again, under the lock, on the next repair.
            _node = null;
        }

        return true;
    }

    private async Task<IDisposable> LockUnchangedAsync(Remembered node, CancellationToken cancellationToken)
    {
        var stateLock = await StateLock.AcquireAsync(options.StateDirectory, LockWait, cancellationToken).ConfigureAwait(false);
        if (PoolStamp.Of(Store.Path) != node.Stamp)
        {
            stateLock.Dispose();
            _node = null;
            throw new StaleNodeException();
        }

        return stateLock;
    }

    /// <summary>The engine's steps for the parts of the plan; null runs all of it.</summary>
    /// <remarks>With --skip-iptables the iptables step is never selected: its rules are neither written, repaired nor removed.</remarks>
    private StepSelection Selection(NodeParts? parts) =>
        parts is not { } p
            ? options.SkipIptables ? StepSelection.Only(HostStepId.All.Where(s => s != HostStepId.Iptables)) : StepSelection.All
            : StepSelection.Only(Parts.Where(part => p.HasFlag(part.Part)).Select(part => part.Step));

    private static readonly (NodeParts Part, HostStepId Step)[] Parts =
        [(NodeParts.Prepare, HostStepId.Prepare), (NodeParts.Bridge, HostStepId.Bridge), (NodeParts.Routes, HostStepId.Routes), (NodeParts.Dhcp, HostStepId.Dhcp)];

    /// <summary>
    /// The one mapping of the engine, with what only the agent knows: how it runs dnsmasq-cni, its own port; and the
    /// effective MTU, read live, which the embedded server gives as option 26.
    /// </summary>
    private NodeTarget Target(PoolState state)
    {
        var target = engine.WithMtu(NodeTarget.Of(state, AgentServiceMode.For(options.ServiceManagerGiven, runtime, state), options.StateDirectory));
        return target with { Spec = target.Spec with { AgentPorts = [HostSpec.DefaultAgentPort, options.Listen.Port] } };
    }

    private static async Task<NodeTarget> WatchedAsync(NodeTarget target, IHostNetworkBackend backend, CancellationToken cancellationToken) =>
        target.WithWatch(await backend.DescribeWatchAsync(target.Context, cancellationToken).ConfigureAwait(false));

    private sealed record Remembered(PoolState State, NodeTarget Target, IHostNetworkBackend Backend, PoolStamp Stamp);

    /// <summary>pool.json changed while a repair ran from memory: the repair starts over on the locked path.</summary>
    private sealed class StaleNodeException() : Exception("pool.json changed during the repair");
}
