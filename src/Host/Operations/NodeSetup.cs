using CocoonNet.Node.Text;
using System.Net;
using CocoonNet.Abstractions;
using CocoonNet.Node.Linux;
using CocoonNet.Node.Pipeline;
using CocoonNet.Node.State;

namespace CocoonNet.Host.Operations;

/// <summary>
/// The host half shared by init and adopt: resolve the primary NIC and uplinks, build the desired host
/// spec, run the pipeline (plan, then apply) with pool.json kept current, and print what happened.
/// </summary>
internal sealed class NodeSetup(
    HostPipeline pipeline,
    IKernelNetwork kernel,
    RuntimeSettings settings,
    ConsoleOutput output)
{
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
    /// The request's subnet against the live node (its addresses and next hops, but those of cni0 and of the uplinks
    /// <paramref name="recorded"/> names): a usage error on a conflict.
    /// </summary>
    public void CheckSubnet(NodeRequest request, PoolState? recorded) => CheckSubnet(request.Subnet, request.SubnetSource, recorded);

    /// <summary>As above for a subnet from elsewhere; <paramref name="source"/> names where it came from.</summary>
    public void CheckSubnet(IPNetwork subnet, string source, PoolState? recorded) =>
        NodeRequestLiveCheck.Check(kernel, subnet, source, recorded?.SecondaryNics);

    public HostSpec Spec(NodeRequest request, IReadOnlyList<IPAddress> ips, string primaryNic, IReadOnlyList<string> uplinks, bool manageIptables) =>
        new(request.Subnet, request.Gateway, ips, primaryNic, uplinks, request.Dns, manageIptables, settings.ServiceMode);

    /// <summary>
    /// Applies (or on a dry run, prints) the host plan. <paramref name="state"/> is the desired state
    /// without the footprint; it is saved before the first change and after every applied step.
    /// <paramref name="only"/> limits the run to part of the plan (the agent's repairs); null runs all of it.
    /// </summary>
    public async Task<IReadOnlyList<StepPlan>> ApplyAsync(
        HostSpec spec, IHostNetworkBackend backend, HostContext context, PoolStateStore store, PoolState state, PoolState? previous,
        bool dryRun, CancellationToken cancellationToken, StepSelection? only = null)
    {
        only ??= StepSelection.All;
        var footprint = (previous?.Host ?? new HostFootprint()).Snapshot();
        var saved = previous;
        var plans = new List<StepPlan>();

        var prepare = new StepPlan("prepare");
        if (only.PrepareHost)
        {
            prepare.AddChanges(await backend.PrepareHostAsync(context, dryRun, cancellationToken).ConfigureAwait(false));
        }

        plans.Add(prepare);
        Stream(prepare, dryRun);

        var statePlan = new StepPlan("state");
        if (saved is null || !(state with { Host = footprint }).SameContentAs(saved))
        {
            statePlan.Add(saved is null ? $"+ write {store.Path}" : $"~ update {store.Path}");
        }

        Task Checkpoint(CancellationToken ct)
        {
            // A snapshot: the footprint keeps changing as steps apply, the saved state must not.
            saved = CrashPoints.Around("state", () => store.Save(state with { Host = footprint.Snapshot() }, saved));
            return Task.CompletedTask;
        }

        if (!dryRun)
        {
            await Checkpoint(cancellationToken).ConfigureAwait(false);
        }

        // Local routes for the VM range the platform keeps on purpose (contract 2.2) are not the routes step's to remove.
        var watch = await backend.DescribeWatchAsync(context, cancellationToken).ConfigureAwait(false);
        spec = spec with { KeptLocalRoutes = watch.OwnedLocalRoutes };
        plans.AddRange(await pipeline.SetupAsync(spec, footprint, dryRun, Checkpoint, cancellationToken, only).ConfigureAwait(false));
        if (!dryRun)
        {
            await Checkpoint(cancellationToken).ConfigureAwait(false);
        }

        plans.Add(statePlan);
        return plans;
    }

    /// <summary>Prints a plan whose changes already happened (cloud, plugin), unless this is a dry run.</summary>
    public void Stream(StepPlan plan, bool dryRun)
    {
        if (dryRun)
        {
            return;
        }

        foreach (var line in plan.Changes.Concat(plan.Notes))
        {
            output.Line($"{plan.Step,-9} {line}");
        }

        plan.Printed = true;
    }

    /// <summary>
    /// A dry run's plan in full; after a real run, the lines not printed yet as they were applied, and
    /// "no changes" when there were none.
    /// </summary>
    public void PrintPlan(IReadOnlyList<StepPlan> plans, bool dryRun)
    {
        var changes = plans.Sum(p => p.Items.Count);
        if (dryRun)
        {
            output.Line("plan:");
        }

        foreach (var plan in plans.Where(p => dryRun || !p.Printed))
        {
            foreach (var line in plan.Changes.Concat(plan.Notes))
            {
                output.Line($"{(dryRun ? "  " : "")}{plan.Step,-9} {line}");
            }
        }

        if (changes == 0)
        {
            output.Line(dryRun ? "  no changes: the host already matches" : "no changes: the host already matches");
        }
    }
}
