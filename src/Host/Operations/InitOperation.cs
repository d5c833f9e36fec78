using CocoonNet.Node.Net;
using CocoonNet.Node.Text;
using CocoonNet.Abstractions;
using CocoonNet.Node.Pipeline;
using CocoonNet.Host.Settings;
using CocoonNet.Node.State;
using CocoonNet.Host.Logging;
using Microsoft.Extensions.Logging;

namespace CocoonNet.Host.Operations;

/// <summary>
/// <c>cocoon-net init</c>: provision the cloud side through the platform's cloud plugin, then the host.
/// pool.json is first written at the provider's first checkpoint (before its first cloud mutation) and
/// kept current through the later ones, and a previous good state is never replaced by an emptier one.
/// </summary>
internal sealed class InitOperation(
    PlatformRegistry registry,
    NodeSetup setup,
    TimeProvider time,
    ConsoleOutput output,
    PluginSettingsSource settings,
    ILogger<InitOperation> logger)
{
    public async Task<int> RunAsync(NodeRequest request, CancellationToken cancellationToken)
    {
        var store = new PoolStateStore(request.StateDirectory, time);
        // Everything that can reject the request runs before the lock, which creates the state dir.
        // pool.json is read here, once (and once more under the lock, below): its recorded plugin settings
        // join the flags, variables and config.json before the plugin's container is built.
        var previous = store.LoadProvisioned();
        setup.CheckSubnet(request, previous);
        if (previous is { Mode: PoolState.ModeAdopt })
        {
            throw new UsageException($"{store.Path} records an adopted node; run 'cocoon-net teardown' before 'init'");
        }

        var platform = await registry.ResolveAsync(request.Platform, previous, fallback: null, cancellationToken).ConfigureAwait(false);
        var provider = registry.Provider(platform)
            ?? throw new UsageException(
                $"no cloud plugin serves platform {platform} (cloud platforms: {string.Join(", ", registry.CloudPlatforms.DefaultIfEmpty("none"))}); "
                + "install its plugin, or use 'cocoon-net adopt' for a node provisioned by hand");
        var backend = registry.Backend(platform)!;
        // The cloud's own limits (GKE: /8-/29) are bad input too: refused before the lock creates anything.
        var check = new ProvisionRequest
        {
            NodeName = request.NodeName,
            Pool = request.Pool,
            PoolSize = request.PoolSize,
            PrimaryNic = request.PrimaryNic ?? "",
            DryRun = request.DryRun,
        };
        if (await provider.ValidateAsync(check, cancellationToken).ConfigureAwait(false) is { } problem)
        {
            throw new UsageException(problem);
        }
        using var stateLock = request.DryRun ? null : await StateLock.AcquireAsync(store.Directory, TimeSpan.FromSeconds(5), cancellationToken).ConfigureAwait(false);
        previous = StateLock.Reload(store, previous);
        var plugin = registry.PluginFor(platform);
        var primaryNic = setup.ResolvePrimaryNic(request.PrimaryNic, previous?.PrimaryNic, backend);
        var previousResources = previous is null ? CloudResources.None : StateResources.Of(previous);

        var baseState = new PoolState
        {
            Platform = platform,
            NodeName = request.NodeName,
            Subnet = request.Subnet.ToString(),
            Gateway = request.Gateway.ToString(),
            PrimaryNic = primaryNic,
            DnsServers = request.Dns.Count > 0 ? [.. request.Dns.Select(d => d.ToString())] : null,
            Mode = PoolState.ModeInit,
            Plugin = plugin?.Name,
            PluginVersion = plugin?.Version,
            Settings = settings.ToRecord(plugin?.Name),
            ManageIptables = true,
        };
        // A fresh node's pool.json is first written by the provider's first checkpoint, which comes before
        // its first cloud mutation (both providers checkpoint before every one): a run that fails earlier,
        // e.g. on bad credentials, a wrong region or an unreachable API, leaves no state behind.
        var saved = previous;
        var checkpoint = new StateCheckpoint(resources =>
        {
            var current = saved ?? (baseState with { Ips = null });
            saved = CrashPoints.Around("cloud-checkpoint", () => store.Save(StateResources.With(current, resources), saved));
        });
        var provisionRequest = check with { PrimaryNic = primaryNic, Previous = previousResources };

        ProvisionResult result;
        try
        {
            result = await provider.ProvisionAsync(provisionRequest, request.DryRun ? NoCheckpoint.Instance : checkpoint, cancellationToken)
                .ConfigureAwait(false);
        }
        catch (Exception e) when (e is not (OperationCanceledException or UsageException))
        {
            throw new InvalidOperationException($"provision {platform} network: {e.Message}", e);
        }

        var ips = result.Ips
            .Where(ip => !ip.Equals(request.Gateway))
            .Distinct()
            .OrderBy(Ipv4.ToUInt32)
            .ToList();
        var outside = ips.FirstOrDefault(ip => !request.Subnet.Contains(ip));
        if (outside is not null)
        {
            throw new InvalidOperationException($"provider {platform} returned {outside}, which is outside --subnet {request.Subnet}");
        }

        var context = new HostContext { NodeName = request.NodeName, Subnet = request.Subnet, PrimaryNic = primaryNic, Resources = result.Resources };
        var uplinks = await backend.ResolveUplinksAsync(context, cancellationToken).ConfigureAwait(false);
        var spec = setup.Spec(request, ips, primaryNic, uplinks, manageIptables: true);
        var state = StateResources.With(baseState, result.Resources) with
        {
            Ips = [.. ips.Select(ip => ip.ToString())],
            SecondaryNics = uplinks.Count > 0 ? [.. uplinks] : null,
        };

        if (request.DryRun)
        {
            output.Line("[dry-run] would provision networking with config:");
            output.Line($"  platform:   {platform}");
            output.Line($"  node-name:  {request.NodeName}");
            output.Line($"  subnet:     {request.Subnet}");
            // What the cloud will give, not what was asked for; a cloud that assigns addresses itself (Volcengine)
            // cannot name them before it runs.
            output.Line(ips.Count > 0
                ? $"  pool-size:  {ips.Count} (first={ips[0]}, last={ips[^1]}){(ips.Count < request.PoolSize ? $"; {request.PoolSize} requested, the cloud's limit" : "")}"
                : $"  pool-size:  {request.PoolSize} requested (the cloud assigns the addresses when it runs)");
            output.Line($"  dns:        {string.Join(',', request.Dns)}");
            output.Line($"  state-dir:  {store.Directory}");
            output.Line();
        }

        var cloudPlan = new StepPlan("cloud").AddChanges(result.Changes);
        setup.Stream(cloudPlan, request.DryRun);
        var plans = new List<StepPlan> { cloudPlan };
        plans.AddRange(await setup.ApplyAsync(spec, backend, context, store, state, saved, request.DryRun, cancellationToken).ConfigureAwait(false));
        setup.PrintPlan(plans, request.DryRun);
        if (!request.DryRun)
        {
            logger.StateSaved(store.Path);
            output.Line($"cocoon-net init complete: {ips.Count} IPs provisioned on {request.Subnet} ({platform})");
        }

        return ExitCodes.Success;
    }

    private sealed class StateCheckpoint(Action<CloudResources> save) : IProvisionCheckpoint
    {
        public Task SaveAsync(CloudResources resources, CancellationToken cancellationToken)
        {
            save(resources);
            return Task.CompletedTask;
        }
    }

    private sealed class NoCheckpoint : IProvisionCheckpoint
    {
        public static NoCheckpoint Instance { get; } = new();

        public Task SaveAsync(CloudResources resources, CancellationToken cancellationToken) =>
            throw new InvalidOperationException("a dry run must not checkpoint: it must not mutate the cloud");
    }
}
