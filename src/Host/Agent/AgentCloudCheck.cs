using System.Net;
using CocoonNet.Host.Operations;
using CocoonNet.Host.Settings;
using CocoonNet.Host.State;

namespace CocoonNet.Host.Agent;

/// <summary>
/// The periodic cloud check of an init node: the provider's live status (read-only calls, the same as
/// <c>status</c> makes). A provider that cannot confirm the node's resources is drift; it is reported, and the
/// cloud is repaired (init's idempotent provisioning) only when the agent runs with <c>--repair-cloud</c>.
/// </summary>
internal sealed class AgentCloudCheck(PlatformRegistry registry, InitOperation init, PluginSettingsSource settings, TimeProvider time)
{
    /// <summary>(drifted, what) or null when there is nothing to check (no node, or an adopted one).</summary>
    public async Task<(bool Drifted, string Detail)?> CheckAsync(AgentOptions options, CancellationToken cancellationToken)
    {
        var store = new PoolStateStore(options.StateDirectory, time);
        if (store.LoadProvisioned() is not { Mode: PoolState.ModeInit } state)
        {
            return null;
        }

        settings.UseRecorded(state.Plugin, state.Settings?.Values, store.Path);
        string? problem;
        try
        {
            problem = registry.Provider(state.Platform) is { } provider
                ? (await provider.GetStatusAsync(StateResources.Of(state), cancellationToken).ConfigureAwait(false)) is null ? "no answer" : null
                : $"no loaded plugin serves {state.Platform}";
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            problem = e.Message;
        }

        if (problem is null)
        {
            return (false, "");
        }

        if (options.RepairCloud)
        {
            await init.RunAsync(options.Request ?? RequestFrom(state, options.StateDirectory), cancellationToken).ConfigureAwait(false);
            return (false, "");
        }

        return (true, problem);
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
                ManageIptables: null),
            NodeRequestValidator.DefaultInitPoolSize);
}
