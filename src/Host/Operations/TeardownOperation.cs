using CocoonNet.Node.Text;
using CocoonNet.Abstractions;
using CocoonNet.Host.Agent;
using CocoonNet.Node.Linux;
using CocoonNet.Node.Net;
using CocoonNet.Node.Pipeline;
using CocoonNet.Node.State;
using System.Net;

namespace CocoonNet.Host.Operations;

/// <summary>
/// <c>cocoon-net teardown</c>: the cloud side first (init nodes only, through the plugin that provisioned
/// it), then what cocoon-net created on the host, then pool.json. What it did not create stays.
/// </summary>
internal sealed class TeardownOperation(
    PlatformRegistry registry,
    HostPipeline pipeline,
    NodeSetup setup,
    RuntimeSettings settings,
    TimeProvider time,
    ConsoleOutput output,
    HostPaths paths)
{
    public async Task<int> RunAsync(string stateDirectory, bool dryRun, CancellationToken cancellationToken)
    {
        var store = new PoolStateStore(stateDirectory, time);
        // A running agent would rebuild what teardown removes: stopped (or, under systemd, refused) first.
        if (await AgentStopper.StopAsync(paths, dryRun, cancellationToken).ConfigureAwait(false) is { } stopped)
        {
            output.Line($"{"agent",-9} {(dryRun ? "" : "- ")}{stopped}");
        }

        using var stateLock = dryRun || !Directory.Exists(stateDirectory)
            ? null
            : await StateLock.AcquireAsync(store.Directory, TimeSpan.FromSeconds(5), cancellationToken).ConfigureAwait(false);
        var state = store.Load();
        if (state is null)
        {
            output.Line($"nothing to tear down: no pool state at {store.Path}");
            return ExitCodes.Success;
        }

        if (state.IsNeverProvisioned())
        {
            // Left by a first init that failed before provisioning anything: no cloud call, no credentials needed.
            if (!dryRun)
            {
                store.Delete();
            }

            output.Line($"nothing to tear down: {store.Path} records nothing provisioned{(dryRun ? "; would remove it" : "; removed it")}");
            return ExitCodes.Success;
        }

        var subnet = IPNetwork.Parse(state.Subnet);
        var gateway = IPAddress.TryParse(state.Gateway, out var g) ? g : Ipv4.FirstHost(subnet);
        var primaryNic = state.PrimaryNic ?? "";
        var resources = StateResources.Of(state);
        var adopted = state.Mode != PoolState.ModeInit;
        if (dryRun)
        {
            output.Line($"[dry-run] would teardown {state.Platform} networking for node {state.NodeName} (subnet {state.Subnet})");
        }

        var plans = new List<StepPlan>();
        var failures = new List<string>();
        var cloud = new StepPlan("cloud");
        plans.Add(cloud);
        var cloudLeft = false;
        if (adopted)
        {
            cloud.Notes.Add("adopted node: cloud resources left as they are (remove them by hand if needed)");
        }
        else
        {
            // A cloud failure must not keep the host as it is: it is reported, pool.json keeps the cloud
            // resources, and a re-run of teardown retries them.
            try
            {
                var provider = registry.Provider(state.Platform)
                    ?? throw new InvalidOperationException(
                        $"no loaded plugin serves platform {state.Platform}, which provisioned this node; install it to tear down its cloud resources");
                var request = new TeardownRequest { NodeName = state.NodeName, Subnet = subnet, PrimaryNic = primaryNic, Resources = resources, DryRun = dryRun };
                cloud.AddChanges(await provider.TeardownAsync(request, cancellationToken).ConfigureAwait(false));
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                cloudLeft = true;
                failures.Add($"cloud: {e.Message}");
                cloud.Notes.Add($"! failed: remove cloud resources: {e.Message}");
            }
        }

        setup.Stream(cloud, dryRun);
        var footprint = state.Host.Snapshot();
        var saved = state;
        Task Checkpoint(CancellationToken ct)
        {
            saved = CrashPoints.Around("state", () => store.Save(saved with { Host = footprint.Snapshot() }, saved));
            return Task.CompletedTask;
        }

        var spec = new HostSpec(subnet, gateway, (state.Ips ?? []).Select(IPAddress.Parse).ToList(), primaryNic,
            state.SecondaryNics ?? [], [], state.ManageIptables, settings.ServiceMode);
        var host = await pipeline.TeardownAsync(spec, footprint, dryRun, Checkpoint, cancellationToken).ConfigureAwait(false);
        plans.AddRange(host.Plans);
        failures.AddRange(host.Failures);

        if (registry.Backend(state.Platform) is { } backend)
        {
            var cleanup = new StepPlan("cleanup");
            try
            {
                var context = new HostContext { NodeName = state.NodeName, Subnet = subnet, PrimaryNic = primaryNic, Resources = resources, Adopted = adopted };
                cleanup.AddChanges(await backend.CleanupHostAsync(context, dryRun, cancellationToken).ConfigureAwait(false));
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                failures.Add($"cleanup: {e.Message}");
                cleanup.Notes.Add($"! failed: {e.Message}");
            }

            plans.Add(cleanup);
            setup.Stream(cleanup, dryRun);
        }

        if (failures.Count > 0 && !dryRun)
        {
            // What is left stays on record, so a re-run of teardown (once the cause is fixed) finishes it.
            await Checkpoint(CancellationToken.None).ConfigureAwait(false);
            setup.PrintPlan(plans, dryRun);
            output.Line($"cocoon-net teardown incomplete ({state.Platform}): {store.Path} kept; still in place:");
            foreach (var item in footprint.Describe().Concat(cloudLeft ? ["cloud resources of this node"] : []))
            {
                output.Line($"  {item}");
            }

            output.Line("failed:");
            foreach (var failure in failures)
            {
                output.Line($"  {failure}");
            }

            output.Line("fix the cause and run 'cocoon-net teardown' again");
            return ExitCodes.Failure;
        }

        var statePlan = new StepPlan("state").Add($"- remove {store.Path}");
        plans.Add(statePlan);
        setup.PrintPlan(plans, dryRun);
        if (!dryRun)
        {
            CrashPoints.Around("state-delete", store.Delete);
            AgentSingleton.RemoveRunDirectory(paths);
            output.Line($"cocoon-net teardown complete ({state.Platform})");
        }

        return ExitCodes.Success;
    }
}
