using System.Net;
using CocoonNet.Abstractions;
using CocoonNet.Host.Composition;
using CocoonNet.Host.Operations;
using CocoonNet.Host.Settings;
using CocoonNet.Node.Net;
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
    NodeSetup setup,
    HostPipeline pipeline,
    RuntimeSettings runtime,
    PluginSettingsSource settings,
    AgentOptions options,
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
        if (store.LoadProvisioned() is { } state && IPNetwork.TryParse(state.Subnet, out var subnet))
        {
            setup.CheckSubnet(subnet, $"{store.Path} subnet", state);
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
            return null;
        }

        _node = registry.Backend(state.Platform) is { } backend
            ? Remember(state, await WatchAsync(backend, state, cancellationToken).ConfigureAwait(false), stamp)
            : null;
        return state;
    }

    /// <summary>What the drift watcher watches: the pool's routes, the bridge and the NICs the backend keeps up.</summary>
    public DriftScope Scope(PoolState state) =>
        new(IPNetwork.Parse(state.Subnet), (state.Ips ?? []).Select(IPAddress.Parse).ToList(), HostSpec.Bridge,
            _node?.Watch.NicsKeptUp ?? []);

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
            return false;
        }

        using var stateLock = await StateLock.AcquireAsync(options.StateDirectory, LockWait, cancellationToken).ConfigureAwait(false);
        // Read under the lock: an adopt or teardown that ran meanwhile decides what the node is now.
        var stamp = PoolStamp.Of(store.Path);
        if (store.LoadProvisioned() is not { } state)
        {
            _node = null;
            return false;
        }

        _node = null;
        settings.UseRecorded(state.Plugin, state.Settings?.Values, store.Path);
        var backend = registry.Backend(state.Platform)
            ?? throw new InvalidOperationException(
                $"no loaded plugin serves platform {state.Platform}, which {store.Path} records; install it (see 'cocoon-net plugins')");
        var watch = await WatchAsync(backend, state, cancellationToken).ConfigureAwait(false);
        var node = Remember(state, watch, stamp);
        await setup.ApplyAsync(node.Spec, backend, Context(state), store, state, state, dryRun: false, cancellationToken, Selection(parts))
            .ConfigureAwait(false);

        // The run may have saved a new footprint: remember the file as it is now (still under the lock, so no other writer).
        stamp = PoolStamp.Of(store.Path);
        _node = store.LoadProvisioned() is { } now ? node with { State = now, Stamp = stamp } : null;
        return _node is not null;
    }

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

        var footprint = node.State.Host.Snapshot();
        try
        {
            await pipeline.SetupAsync(node.Spec, footprint, dryRun: false, ct => SaveAsync(footprint, ct), cancellationToken, Selection(parts))
                .ConfigureAwait(false);
            return true;
        }
        catch (StaleNodeException)
        {
            return await ReconcileAsync(parts, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// The pipeline's checkpoint on the fast path (only when the footprint moved): saved under the state lock, and only
    /// over the file this memory was read from.
    /// </summary>
    private async Task SaveAsync(HostFootprint footprint, CancellationToken cancellationToken)
    {
        using var stateLock = await StateLock.AcquireAsync(options.StateDirectory, LockWait, cancellationToken).ConfigureAwait(false);
        var store = Store;
        if (_node is not { } node || PoolStamp.Of(store.Path) != node.Stamp)
        {
            _node = null;
            throw new StaleNodeException();
        }

        var saved = CrashPoints.Around("state", () => store.Save(node.State with { Host = footprint.Snapshot() }, node.State));
        _node = node with { State = saved, Stamp = PoolStamp.Of(store.Path) };
    }

    /// <summary>The engine's step names for the parts of the plan; null runs all of it.</summary>
    private static StepSelection Selection(NodeParts? parts)
    {
        if (parts is not { } p)
        {
            return StepSelection.All;
        }

        var steps = new HashSet<string>(StringComparer.Ordinal);
        if (p.HasFlag(NodeParts.Bridge))
        {
            steps.Add("bridge");
        }

        if (p.HasFlag(NodeParts.Routes))
        {
            steps.Add("routes");
        }

        if (p.HasFlag(NodeParts.Dhcp))
        {
            steps.Add("dhcp");
        }

        return new StepSelection(p.HasFlag(NodeParts.Prepare), steps);
    }

    private static async Task<HostWatch> WatchAsync(IHostNetworkBackend backend, PoolState state, CancellationToken cancellationToken) =>
        await backend.DescribeWatchAsync(Context(state), cancellationToken).ConfigureAwait(false);

    private Remembered Remember(PoolState state, HostWatch watch, PoolStamp stamp)
    {
        var subnet = IPNetwork.Parse(state.Subnet);
        var spec = new HostSpec(
            subnet,
            IPAddress.TryParse(state.Gateway, out var gateway) ? gateway : Ipv4.FirstHost(subnet),
            (state.Ips ?? []).Select(IPAddress.Parse).ToList(),
            state.PrimaryNic ?? "",
            state.SecondaryNics ?? [],
            (state.DnsServers ?? []).Select(IPAddress.Parse).ToList(),
            state.ManageIptables,
            AgentServiceMode.For(options.ServiceManagerGiven, runtime, state))
        {
            AgentPorts = [HostSpec.DefaultAgentPort, options.Listen.Port],
            KeptLocalRoutes = watch.OwnedLocalRoutes,
        };
        return new Remembered(state, spec, watch, stamp);
    }

    private static HostContext Context(PoolState state) => new()
    {
        NodeName = state.NodeName,
        Subnet = IPNetwork.Parse(state.Subnet),
        PrimaryNic = state.PrimaryNic ?? "",
        Resources = StateResources.Of(state),
        Adopted = state.Mode != PoolState.ModeInit,
    };

    private sealed record Remembered(PoolState State, HostSpec Spec, HostWatch Watch, PoolStamp Stamp);

    /// <summary>pool.json changed while a repair ran from memory: the repair starts over on the locked path.</summary>
    private sealed class StaleNodeException() : Exception("pool.json changed during the repair");
}
