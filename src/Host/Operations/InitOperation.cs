using CocoonNet.Host.Plugins;
using CocoonNet.Node.Leases;
using CocoonNet.Node.Net;
using CocoonNet.Abstractions;
using CocoonNet.Node.Engine;
using CocoonNet.Node.Pipeline;
using CocoonNet.Host.Composition;
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
    NodeEngine engine,
    RuntimeSettings runtime,
    TimeProvider time,
    ConsoleOutput output,
    PluginSettingsSource settings,
    ILogger<InitOperation> logger)
{
    public async Task<int> RunAsync(NodeRequest request, CancellationToken cancellationToken)
    {
        var store = new PoolStateStore(request.StateDirectory, time);
        // Everything that can reject the request runs before the lock, which creates the state dir.
        // pool.json is read here, once (and once more under the lock, below).
        var previous = store.LoadProvisioned();
        if (engine.SubnetRefusal(request.Subnet, request.SubnetSource, previous) is { } refusal)
        {
            throw new UsageException(refusal);
        }

        if (engine.BackendSwitchRefusal(previous, request.Dhcp ?? previous?.DhcpBackend ?? Node.Leases.DhcpBackend.Dnsmasq) is { } switchRefusal)
        {
            throw new UsageException(switchRefusal);
        }

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
        var primaryNic = engine.ResolvePrimaryNic(request.PrimaryNic, previous?.PrimaryNic, backend);
        var (dhcp, leaseSeconds) = request.DhcpRecord(previous);
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
            Dhcp = dhcp,
            LeaseSeconds = leaseSeconds,
        };
        baseState = request.Isolation.Record(baseState, previous);
        if (engine.MtuRefusal(baseState) is { } mtuRefusal)
        {
            throw new UsageException(mtuRefusal);
        }

        // A fresh node's pool.json is first written by the provider's first checkpoint, which comes before
        // its first cloud mutation (both providers checkpoint before every one): a run that fails earlier,
        // e.g. on bad credentials, a wrong region or an unreachable API, leaves no state behind.
        var checkpoint = new NodeCheckpoint(store, previous, baseState);
        var provisionRequest = check with { PrimaryNic = primaryNic, Previous = previousResources };

        ProvisionResult result;
        try
        {
            result = await provider.ProvisionAsync(provisionRequest, request.DryRun ? NoCheckpoint.Instance : new CloudCheckpoint(checkpoint), cancellationToken)
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

        var state = StateResources.With(baseState, result.Resources) with { Ips = [.. ips.Select(ip => ip.ToString())] };
        var target = await NodeEngine.ResolveUplinksAsync(state, runtime.ServiceMode, store.Directory, backend, cancellationToken).ConfigureAwait(false);

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
            output.Line($"  drop-internal: {(state.DropInternalAccess == true ? "true" : "false")}");
            output.Line($"  drop-cidr:  {string.Join(',', state.DropCidrs ?? [])}");
            output.Line($"  state-dir:  {store.Directory}");
            output.Line($"  dhcp:       {DhcpLine(target.Spec)}");
            output.Line($"  vm-isolation: {(state.IsolatesVms ? "true" : "false")}");
            output.Line($"  anti-spoofing: {(state.ChecksSpoofing ? "true" : "false")}");
            output.Line($"  mtu:        {MtuLine(state)}");
            output.Line();
        }

        var report = engine.Report(request.DryRun);
        report.Done(new StepPlan("cloud").AddChanges(result.Changes));
        await engine.ApplyAsync(target, backend, checkpoint, report, StepSelection.All, cancellationToken).ConfigureAwait(false);
        report.Summarize();
        if (!request.DryRun)
        {
            logger.StateSaved(store.Path);
            output.Line($"cocoon-net init complete: {ips.Count} IPs provisioned on {request.Subnet} ({platform})");
        }

        return ExitCodes.Success;
    }

    /// <summary>A provider's checkpoints, recorded by the run's one checkpoint owner.</summary>
    private sealed class CloudCheckpoint(NodeCheckpoint checkpoint) : IProvisionCheckpoint
    {
        public Task SaveAsync(CloudResources resources, CancellationToken cancellationToken) =>
            checkpoint.SaveResourcesAsync(resources, cancellationToken);
    }

    private sealed class NoCheckpoint : IProvisionCheckpoint
    {
        public static NoCheckpoint Instance { get; } = new();

        public Task SaveAsync(CloudResources resources, CancellationToken cancellationToken) =>
            throw new InvalidOperationException("a dry run must not checkpoint: it must not mutate the cloud");
    }

    /// <summary>The dry run's MTU line: the recorded <c>--mtu</c>, or <c>auto</c> (cni0 follows the primary NIC's MTU).</summary>
    internal static string MtuLine(PoolState state) =>
        state.Mtu is { } mtu ? $"{mtu} (--mtu)" : "auto (the primary NIC's)";

    /// <summary>The dry run's DHCP line: the backend and its lease time as --lease-time takes it (<c>embedded, lease 24h</c>).</summary>
    internal static string DhcpLine(HostSpec spec)
    {
        var seconds = (long)spec.LeaseTime.TotalSeconds;
        var lease = seconds % 3600 == 0 ? $"{seconds / 3600}h" : seconds % 60 == 0 ? $"{seconds / 60}m" : $"{seconds}s";
        return $"{spec.Backend.Name()}, lease {lease}";
    }
}
