using CocoonNet.Host.Plugins;
using System.Net;
using CocoonNet.Host.Operations;
using CocoonNet.Node.State;
using Microsoft.Extensions.Logging;

namespace CocoonNet.Host.Agent;

/// <summary>
/// The periodic cloud check of an init node: the provider's live status (read-only calls, the same as
/// <c>status</c> makes), judged by <see cref="CloudVerdict"/>. Drift is what the provider lists in
/// <c>CloudStatus.Drift</c>; it is reported, and the cloud is repaired (init's idempotent provisioning) only when
/// the agent runs with <c>--repair-cloud</c> and there is such drift. A cloud that could not be asked is reported
/// as unreachable and never repaired.
/// </summary>
internal sealed class AgentCloudCheck(
    PlatformRegistry registry, InitOperation init, TimeProvider time, ILogger<AgentCloudCheck> logger)
{
    /// <summary>
    /// How often to check: <c>--cloud-check</c>, raised to the provider's <c>MinimumStatusInterval</c> (its API
    /// rate limits), with one info line when it is raised.
    /// </summary>
    public TimeSpan Interval(AgentOptions options, PoolState state)
    {
        if (registry.Provider(state.Platform) is not { } provider)
        {
            return options.CloudCheck;
        }

        var (interval, raised) = CloudVerdict.Interval(options.CloudCheck, provider.MinimumStatusInterval);
        if (raised && logger.IsEnabled(LogLevel.Information))
        {
            logger.CloudCheckRaised(Durations.Format(options.CloudCheck), Durations.Format(interval), state.Platform);
        }

        return interval;
    }

    /// <summary>What the provider reports now (read-only calls); null when there is nothing to check (no node, or an adopted one).</summary>
    public async Task<CloudVerdict?> CheckAsync(AgentOptions options, CancellationToken cancellationToken)
    {
        var store = new PoolStateStore(options.StateDirectory, time);
        if (store.LoadProvisioned() is not { Mode: PoolState.ModeInit } state)
        {
            return null;
        }

        try
        {
            return registry.Provider(state.Platform) is { } provider
                ? CloudVerdict.Of(await provider.GetStatusAsync(StateResources.Of(state), cancellationToken).ConfigureAwait(false))
                : CloudVerdict.Unreachable($"no loaded plugin serves {state.Platform}");
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested)
        {
            // A plugin's own HTTP timeout is an OperationCanceledException too: unreachable, not the agent stopping.
            return CloudVerdict.Unreachable(e.Message);
        }
    }

    /// <summary>
    /// <c>--repair-cloud</c> on listed drift: init's idempotent provisioning, with the agent's node flags or the
    /// request pool.json records. Throws <see cref="CloudRepairException"/> when it did not succeed (the drift stays
    /// reported; the next check tries again).
    /// </summary>
    public async Task RepairAsync(AgentOptions options, CancellationToken cancellationToken)
    {
        int exit;
        try
        {
            var request = options.Request
                ?? (new PoolStateStore(options.StateDirectory, time).LoadProvisioned() is { } state
                    ? RequestFrom(state, options.StateDirectory)
                    : throw new CloudRepairException("no node recorded in pool.json any more"));
            exit = await init.RunAsync(request, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not CloudRepairException && !cancellationToken.IsCancellationRequested)
        {
            // Bad input from pool.json or the plugin's exit code must not end the agent: a failed repair, reported.
            throw new CloudRepairException(e.Message, e);
        }

        if (exit != ExitCodes.Success)
        {
            throw new CloudRepairException($"init ended with exit code {exit}");
        }
    }

    /// <summary>The init request that provisioned the node, as pool.json records it (the agent was started without --mode).</summary>
    public static NodeRequest RequestFrom(PoolState state, string stateDirectory) =>
        NodeRequestValidator.Validate(
            new NodeInput(
                state.Platform,
                state.NodeName,
                IPNetwork.Parse(state.Subnet),
                state.Ips is { Count: > 0 } ips ? ips.Count : null,
                IPAddress.TryParse(state.Gateway, out var gateway) ? gateway : null,
                state.PrimaryNic,
                (state.DnsServers ?? []).Select(IPAddress.Parse).ToList(),
                stateDirectory,
                DryRun: false,
                ManageIptables: null,
                SubnetSource: $"{PoolStateStore.FileName} subnet")
            {
                Dhcp = state.DhcpBackend,
                LeaseSeconds = state.LeaseSeconds,
            },
            NodeRequestValidator.DefaultInitPoolSize);
}

/// <summary>A <c>--repair-cloud</c> provisioning that did not succeed; its message is the reason.</summary>
internal sealed class CloudRepairException(string message, Exception? inner = null) : Exception(message, inner);
