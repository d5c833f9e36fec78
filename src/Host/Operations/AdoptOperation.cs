using CocoonNet.Host.Plugins;
using CocoonNet.Abstractions;
using CocoonNet.Node.Engine;
using CocoonNet.Node.Pipeline;
using CocoonNet.Host.Composition;
using CocoonNet.Host.Settings;
using CocoonNet.Node.State;

namespace CocoonNet.Host.Operations;

/// <summary>
/// <c>cocoon-net adopt</c>: the host half only, for nodes whose cloud side was provisioned by hand.
/// Never calls a cloud API, and records mode "adopt" so teardown never will either.
/// </summary>
internal sealed class AdoptOperation(
    PlatformRegistry registry,
    NodeEngine engine,
    RuntimeSettings runtime,
    TimeProvider time,
    ConsoleOutput output,
    PluginSettingsSource settings)
{
    public async Task<int> RunAsync(NodeRequest request, CancellationToken cancellationToken)
    {
        var store = new PoolStateStore(request.StateDirectory, time);
        // Everything that can reject the request runs before the lock, which creates the state dir.
        // A state that provisioned nothing (a failed first init) is no state: adopt proceeds.
        var previous = store.LoadProvisioned();
        if (engine.SubnetRefusal(request.Subnet, request.SubnetSource, previous) is { } refusal)
        {
            throw new UsageException(refusal);
        }

        if (engine.BackendSwitchRefusal(previous, request.Dhcp ?? previous?.DhcpBackend ?? Node.Leases.DhcpBackend.Dnsmasq) is { } switchRefusal)
        {
            throw new UsageException(switchRefusal);
        }

        // Drops need the chains cocoon-net writes: refused here, before the lock creates anything.
        var asked = request.Isolation.Record(
            new PoolState { Subnet = request.Subnet.ToString(), ManageIptables = request.ManageIptables ?? previous?.ManageIptables ?? false }, previous);
        if (request.Isolation.UnmanagedDropRefusal(asked) is { } dropRefusal)
        {
            throw new UsageException(dropRefusal);
        }

        if (previous is { Mode: PoolState.ModeInit })
        {
            throw new UsageException(
                $"{store.Path} records a node provisioned by 'cocoon-net init' on {previous.Platform}; re-run init, or tear it down first");
        }

        var platform = await registry.ResolveAsync(request.Platform, previous, PlatformRegistry.Generic, cancellationToken).ConfigureAwait(false);
        var backend = registry.Backend(platform)
            ?? throw new UsageException(
                $"--platform {platform}: no loaded plugin serves it (available: {string.Join(", ", registry.HostPlatforms.DefaultIfEmpty("none"))}); see 'cocoon-net plugins'");
        using var stateLock = request.DryRun ? null : await StateLock.AcquireAsync(store.Directory, TimeSpan.FromSeconds(5), cancellationToken).ConfigureAwait(false);
        previous = StateLock.Reload(store, previous);
        var plugin = registry.PluginFor(platform);
        var primaryNic = engine.ResolvePrimaryNic(request.PrimaryNic, previous?.PrimaryNic, backend);
        var ips = request.Pool.First(request.PoolSize);
        var manageIptables = request.ManageIptables ?? previous?.ManageIptables ?? false;
        var (dhcp, leaseSeconds) = request.DhcpRecord(previous);
        var state = new PoolState
        {
            Platform = platform,
            NodeName = request.NodeName,
            Subnet = request.Subnet.ToString(),
            Gateway = request.Gateway.ToString(),
            PrimaryNic = primaryNic,
            Ips = [.. ips.Select(ip => ip.ToString())],
            DnsServers = request.Dns.Count > 0 ? [.. request.Dns.Select(d => d.ToString())] : null,
            Mode = PoolState.ModeAdopt,
            Plugin = plugin?.Name,
            PluginVersion = plugin?.Version,
            Settings = settings.ToRecord(plugin?.Name),
            ManageIptables = manageIptables,
            Dhcp = dhcp,
            LeaseSeconds = leaseSeconds,
        };
        state = request.Isolation.Record(state, previous);
        if (engine.MtuRefusal(state) is { } mtuRefusal)
        {
            throw new UsageException(mtuRefusal);
        }

        var target = await NodeEngine.ResolveUplinksAsync(state, runtime.ServiceMode, store.Directory, backend, cancellationToken).ConfigureAwait(false);

        if (request.DryRun)
        {
            output.Line("[dry-run] would adopt node with config:");
            output.Line($"  platform:        {platform}");
            output.Line($"  node-name:       {request.NodeName}");
            output.Line($"  subnet:          {request.Subnet}");
            output.Line($"  gateway:         {request.Gateway}");
            output.Line($"  primary-nic:     {primaryNic}");
            output.Line(ips.Count > 0 ? $"  pool-size:       {ips.Count} (first={ips[0]}, last={ips[^1]})" : "  pool-size:       0");
            output.Line($"  dns:             {string.Join(',', request.Dns)}");
            output.Line($"  drop-internal:   {Bool(state.DropInternalAccess == true)}");
            output.Line($"  drop-cidr:       {string.Join(',', state.DropCidrs ?? [])}");
            output.Line($"  state-dir:       {store.Directory}");
            output.Line($"  manage-iptables: {Bool(manageIptables)}");
            output.Line($"  dhcp:            {InitOperation.DhcpLine(target.Spec)}");
            output.Line($"  vm-isolation:    {Bool(state.IsolatesVms)}");
            output.Line($"  anti-spoofing:   {Bool(state.ChecksSpoofing)}");
            output.Line($"  mtu:             {InitOperation.MtuLine(state)}");
            output.Line();
        }

        var report = engine.Report(request.DryRun);
        await engine.ApplyAsync(target, backend, new NodeCheckpoint(store, previous, target.State), report, StepSelection.All, cancellationToken)
            .ConfigureAwait(false);
        report.Summarize();
        if (request.DryRun)
        {
            output.Line("would NOT touch: cloud alias IP range / ENIs (preserved as-is)");
            return ExitCodes.Success;
        }

        output.Line($"cocoon-net adopt complete: {ips.Count} IPs registered on {request.Subnet} ({platform}, cloud preserved)");
        return ExitCodes.Success;
    }

    private static string Bool(bool value) => value ? "true" : "false";
}
