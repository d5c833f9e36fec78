using CocoonNet.Host.AgentProcess;
using CocoonNet.Host.Plugins;
using CocoonNet.Abstractions;
using CocoonNet.Host.Agent;
using CocoonNet.Node.Engine;
using CocoonNet.Node.Linux;
using CocoonNet.Node.Pipeline;
using CocoonNet.Node.State;
using CocoonNet.Host.Composition;
using CocoonNet.Host.Settings;

namespace CocoonNet.Host.Operations;

/// <summary>
/// <c>cocoon-net teardown</c>: the cloud side first (init nodes only, through the plugin that provisioned
/// it), then what cocoon-net created on the host, then pool.json. What it did not create stays.
/// </summary>
internal sealed class TeardownOperation(
    PlatformRegistry registry,
    NodeEngine engine,
    RuntimeSettings settings,
    TimeProvider time,
    ConsoleOutput output,
    HostPaths paths)
{
    public async Task<int> RunAsync(string stateDirectory, bool dryRun, CancellationToken cancellationToken)
    {
        var store = new PoolStateStore(stateDirectory, time);
        var report = engine.Report(dryRun);
        // A running agent would rebuild what teardown removes: stopped (or, under systemd, refused) first.
        if (await AgentStopper.StopAsync(paths, dryRun, cancellationToken).ConfigureAwait(false) is { } stopped)
        {
            report.Line("agent", $"{(dryRun ? "" : "- ")}{stopped}");
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

        var target = NodeTarget.Of(state, settings.ServiceMode, store.Directory);
        if (dryRun)
        {
            output.Line($"[dry-run] would teardown {state.Platform} networking for node {state.NodeName} (subnet {state.Subnet})");
        }

        var failures = new List<string>();
        var cloud = new StepPlan("cloud");
        var cloudLeft = false;
        if (target.Context.Adopted)
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
                var context = target.Context;
                var request = new TeardownRequest
                {
                    NodeName = context.NodeName,
                    Subnet = context.Subnet,
                    PrimaryNic = context.PrimaryNic,
                    Resources = context.Resources,
                    DryRun = dryRun,
                };
                cloud.AddChanges(await provider.TeardownAsync(request, cancellationToken).ConfigureAwait(false));
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                cloudLeft = true;
                failures.Add($"cloud: {e.Message}");
                cloud.Notes.Add($"! failed: remove cloud resources: {e.Message}");
            }
        }

        report.Done(cloud);
        var checkpoint = new NodeCheckpoint(store, state, state);
        failures.AddRange(await engine.TeardownAsync(target, () => registry.Backend(state.Platform), checkpoint, report, cancellationToken).ConfigureAwait(false));
        if (failures.Count > 0 && !dryRun)
        {
            // What is left stays on record, so a re-run of teardown (once the cause is fixed) finishes it.
            await checkpoint.SaveAsync(CancellationToken.None).ConfigureAwait(false);
            report.Summarize();
            output.Line($"cocoon-net teardown incomplete ({state.Platform}): {store.Path} kept; still in place:");
            foreach (var item in checkpoint.Footprint.Describe().Concat(cloudLeft ? ["cloud resources of this node"] : []))
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

        report.Closing(new StepPlan("state").Add($"- remove {store.Path}"));
        report.Summarize();
        if (!dryRun)
        {
            checkpoint.Delete();
            AgentSingleton.RemoveRunDirectory(paths);
            output.Line($"cocoon-net teardown complete ({state.Platform})");
        }

        return ExitCodes.Success;
    }
}
