using System.Net;
using CocoonNet.Abstractions;
using CocoonNet.Node.Leases;
using CocoonNet.Node.Linux;
using CocoonNet.Node.Pipeline;
using CocoonNet.Node.State;

namespace CocoonNet.Node.Engine;

/// <summary>
/// The node engine: from a node state to the host, for every caller (init, adopt, teardown, the agent). It resolves
/// what the host adds to a request (primary NIC, uplinks), checks a subnet against the live node, applies the host
/// plan or a part of it and tears it down, with pool.json kept by the run's <see cref="NodeCheckpoint"/> and every
/// line reported through the run's <see cref="ChangeReport"/>.
/// </summary>
internal sealed class NodeEngine(HostPipeline pipeline, IKernelNetwork kernel, IChangeSink sink)
{
    /// <summary>A new run's report; <paramref name="dryRun"/> runs change nothing and show the plan at the end.</summary>
    public ChangeReport Report(bool dryRun) => new(sink, dryRun);

    /// <summary>
    /// Flag, else the one recorded by the previous run (a re-run without the flag changes nothing), else the
    /// device of the default route, else the platform's default.
    /// </summary>
    public string ResolvePrimaryNic(string? flag, string? recorded, IHostNetworkBackend backend)
    {
        if ((flag ?? recorded) is { Length: > 0 } chosen)
        {
            return chosen;
        }

        var defaultRoute = kernel.ListRoutes(RouteConstants.TableMain)
            .Where(r => r.PrefixLength == 0 && r.OutputIndex != 0)
            .OrderBy(r => r.Type)
            .FirstOrDefault();
        var device = defaultRoute is null ? null : kernel.ListLinks().FirstOrDefault(l => l.Index == defaultRoute.OutputIndex)?.Name;
        return device ?? backend.DefaultPrimaryNic;
    }

    /// <summary>
    /// Null when <paramref name="subnet"/> is clear of the live node (its addresses and next hops, but those of cni0
    /// and of the uplinks <paramref name="recorded"/> names), else the one-line refusal naming <paramref name="source"/>.
    /// </summary>
    public string? SubnetRefusal(IPNetwork subnet, string source, PoolState? recorded) =>
        LiveSubnet.Refusal(kernel, subnet, source, recorded?.SecondaryNics);

    /// <summary>
    /// Null unless the run would switch the DHCP backend of a node whose bridge has VM ports, else the one-line refusal.
    /// The switch renames the CNI network (dnsmasq-dhcp, cocoon-dhcp) and removes the other conflist, while the cocoon
    /// engine keeps each VM's network name in its record and looks the conflist up by it at CNI DEL; and the new server
    /// does not know the old one's leases, so a running VM's renewal could be refused. Checked before anything changes.
    /// </summary>
    public string? BackendSwitchRefusal(PoolState? previous, DhcpBackend backend)
    {
        if (previous is null || previous.DhcpBackend == backend)
        {
            return null;
        }

        var links = kernel.ListLinks();
        var bridge = links.FirstOrDefault(l => l.Name == HostSpec.Bridge);
        var ports = bridge is null ? [] : links.Where(l => l.MasterIndex == bridge.Index).Select(l => l.Name).Order(StringComparer.Ordinal).ToList();
        return ports.Count == 0
            ? null
            : $"--dhcp {backend.Name()}: {HostSpec.Bridge} has {Text.Plural.Of(ports.Count, "VM port")} ({string.Join(", ", ports.Take(5))}{(ports.Count > 5 ? ", ..." : "")}) "
              + $"served by {previous.DhcpBackend.Name()} under the CNI network {previous.DhcpBackend.Network()}; move or stop those VMs first, "
              + $"or run again without --dhcp to keep {previous.DhcpBackend.Name()}";
    }

    /// <summary>
    /// Null unless <paramref name="state"/> records an MTU above its primary NIC's live one, else the one-line refusal.
    /// Checked before anything changes, like <see cref="BackendSwitchRefusal"/>.
    /// </summary>
    public string? MtuRefusal(PoolState state) => EffectiveMtu.Refusal(state.Mtu, state.PrimaryNic ?? "", kernel.ListLinks());

    /// <summary><paramref name="target"/> with the effective MTU, read from the live node.</summary>
    public NodeTarget WithMtu(NodeTarget target) => target.WithMtu(kernel);

    /// <summary>The target of <paramref name="state"/> with the uplinks the backend names for it recorded in the state.</summary>
    public static async Task<NodeTarget> ResolveUplinksAsync(
        PoolState state, DhcpServiceMode serviceMode, string stateDirectory, IHostNetworkBackend backend, CancellationToken cancellationToken)
    {
        var uplinks = await backend.ResolveUplinksAsync(NodeTarget.Of(state, serviceMode, stateDirectory).Context, cancellationToken).ConfigureAwait(false);
        return NodeTarget.Of(state with { SecondaryNics = uplinks.Count > 0 ? [.. uplinks] : null }, serviceMode, stateDirectory);
    }

    /// <summary>
    /// Applies (on a dry run: plans) <paramref name="steps"/> of <paramref name="target"/>'s host plan: the backend's
    /// preparation, then the pipeline. pool.json becomes the target's state with the footprint, saved before the first
    /// change and after every change that moved the footprint. The backend is asked what it keeps on the host when
    /// the target does not know yet or its preparation ran; a part of the plan on a known target (the agent's repair)
    /// calls no backend at all. Returns the target as applied (with what the backend keeps).
    /// </summary>
    public async Task<NodeTarget> ApplyAsync(
        NodeTarget target, IHostNetworkBackend backend, NodeCheckpoint checkpoint, ChangeReport report, StepSelection steps,
        CancellationToken cancellationToken)
    {
        checkpoint.Desired = target.State;
        // Read live on every run, so cni0 follows a primary NIC whose MTU changed (the agent's repairs too).
        target = target.WithMtu(kernel);
        try
        {
            var prepare = new StepPlan(HostStepId.Prepare);
            if (steps.PrepareHost)
            {
                prepare.AddChanges(await backend.PrepareHostAsync(target.Context, report.DryRun, cancellationToken).ConfigureAwait(false));
            }

            report.Done(prepare);
            var state = new StepPlan("state");
            if (checkpoint.PendingChange() is { } line)
            {
                state.Add(line);
            }

            if (!report.DryRun)
            {
                await checkpoint.SaveAsync(cancellationToken).ConfigureAwait(false);
            }

            if (target.Watch is null || steps.PrepareHost)
            {
                target = target.WithWatch(await backend.DescribeWatchAsync(target.Context, cancellationToken).ConfigureAwait(false));
            }

            report.Applied(await pipeline.SetupAsync(target.Spec, checkpoint, report.DryRun, cancellationToken, steps).ConfigureAwait(false));
            if (!report.DryRun)
            {
                await checkpoint.SaveAsync(cancellationToken).ConfigureAwait(false);
            }

            report.Closing(state);
            return target;
        }
        finally
        {
            checkpoint.EndRun();
        }
    }

    /// <summary>
    /// Removes what the footprint owns (the pipeline in reverse, best effort), then the backend's own host
    /// changes. Returns every failure (step: what: why); pool.json is the caller's to keep or remove.
    /// <paramref name="backend"/> is resolved only once the steps ran (null: no plugin serves the node), so a plugin
    /// that cannot be loaded never keeps cocoon-net's own objects in place.
    /// </summary>
    public async Task<IReadOnlyList<string>> TeardownAsync(
        NodeTarget target, Func<IHostNetworkBackend?> backend, NodeCheckpoint checkpoint, ChangeReport report, CancellationToken cancellationToken)
    {
        try
        {
            var host = await pipeline.TeardownAsync(target.Spec, checkpoint, report.DryRun, cancellationToken).ConfigureAwait(false);
            report.Applied(host.Plans);
            var failures = host.Failures.ToList();
            if (backend() is { } cleaner)
            {
                var cleanup = new StepPlan("cleanup");
                try
                {
                    cleanup.AddChanges(await cleaner.CleanupHostAsync(target.Context, report.DryRun, cancellationToken).ConfigureAwait(false));
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    failures.Add($"cleanup: {e.Message}");
                    cleanup.Notes.Add($"! failed: {e.Message}");
                }

                report.Done(cleanup);
            }

            return failures;
        }
        finally
        {
            checkpoint.EndRun();
        }
    }
}
