using System.Net;
using CocoonNet.Host.Composition;
using CocoonNet.Host.Operations;
using CocoonNet.Node.Engine;
using CocoonNet.Node.Pipeline;
using CocoonNet.Node.State;

namespace CocoonNet.Host.Agent;

/// <summary>
/// The agent's reconcile: the node as pool.json records it, put back on the host through the one pipeline
/// (<see cref="NodeEngine"/>), all of it or the part a repair needs. Never calls the cloud: the addresses, NICs and
/// resources come from pool.json. Holds the state lock only while it runs, so init, adopt, status and teardown
/// work alongside the agent.
/// </summary>
internal sealed class NodeReconciler(
    PlatformRegistry registry,
    NodeEngine engine,
    RuntimeSettings runtime,
    AgentOptions options,
    TimeProvider time)
{
    /// <summary>How long a reconcile waits for the lock held by a one-shot command before it gives up until the next trigger.</summary>
    public static readonly TimeSpan LockWait = TimeSpan.FromSeconds(5);

    /// <summary>The recorded node, or null when there is none (never set up, torn down, or a failed first init).</summary>
    public static PoolState? Recorded(string stateDirectory, TimeProvider time) =>
        new PoolStateStore(stateDirectory, time).LoadProvisioned();

    /// <summary>
    /// The recorded subnet against the live node, before the agent's first reconcile of it changes anything: a usage
    /// error naming pool.json when the node's own addresses or next hops lie inside it. Nothing recorded: nothing to check.
    /// </summary>
    public void CheckRecorded(string stateDirectory)
    {
        var store = new PoolStateStore(stateDirectory, time);
        if (store.LoadProvisioned() is { } state && IPNetwork.TryParse(state.Subnet, out var subnet))
        {
            if (engine.SubnetRefusal(subnet, $"{store.Path} subnet", state) is { } refusal)
            {
                throw new UsageException(refusal);
            }
        }
    }

    /// <summary>Runs <paramref name="only"/> of the host plan for the recorded node; false when there is no node to serve any more.</summary>
    public async Task<bool> ReconcileAsync(string stateDirectory, StepSelection only, CancellationToken cancellationToken)
    {
        var store = new PoolStateStore(stateDirectory, time);
        if (!Directory.Exists(stateDirectory) || store.LoadProvisioned() is null)
        {
            return false;
        }

        using var stateLock = await StateLock.AcquireAsync(stateDirectory, LockWait, cancellationToken).ConfigureAwait(false);
        // Read under the lock: an adopt or teardown that ran meanwhile decides what the node is now.
        if (store.LoadProvisioned() is not { } state)
        {
            return false;
        }

        var backend = registry.Backend(state.Platform)
            ?? throw new InvalidOperationException(
                $"no loaded plugin serves platform {state.Platform}, which {store.Path} records; install it (see 'cocoon-net plugins')");
        var target = Target(state);
        target = target with { Spec = target.Spec with { AgentPorts = [HostSpec.DefaultAgentPort, options.Listen.Port] } };
        await engine.ApplyAsync(target, backend, new NodeCheckpoint(store, state, state), engine.Report(dryRun: false), only, cancellationToken)
            .ConfigureAwait(false);
        return true;
    }

    /// <summary>
    /// What the drift watcher watches for <paramref name="state"/>: the pool's routes and the bridge, and the NICs the
    /// platform's backend keeps up (contract 2.2 <c>HostWatch</c>; none for a plugin built against an older contract).
    /// </summary>
    public async Task<DriftScope> ScopeAsync(PoolState state, CancellationToken cancellationToken)
    {
        var nics = registry.Backend(state.Platform) is { } backend
            ? (await backend.DescribeWatchAsync(Target(state).Context, cancellationToken).ConfigureAwait(false)).NicsKeptUp
            : [];
        var spec = Target(state).Spec;
        return new DriftScope(spec.Subnet, spec.Ips, HostSpec.Bridge, nics);
    }

    private NodeTarget Target(PoolState state) => NodeTarget.Of(state, AgentServiceMode.For(options.ServiceManagerGiven, runtime, state));
}
