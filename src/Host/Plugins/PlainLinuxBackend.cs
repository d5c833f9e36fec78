using CocoonNet.Abstractions;

namespace CocoonNet.Host.Plugins;

/// <summary>
/// The host side of a plugin that registers no backend: a plain Linux host with no secondary NICs and
/// nothing platform-specific to prepare (the contract makes backends optional).
/// </summary>
internal sealed class PlainLinuxBackend : IHostNetworkBackend
{
    public static PlainLinuxBackend Instance { get; } = new();

    public string DefaultPrimaryNic => "eth0";

    public Task<IReadOnlyList<string>> ResolveUplinksAsync(HostContext context, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<string>>([]);

    public Task<IReadOnlyList<PlanChange>> PrepareHostAsync(HostContext context, bool dryRun, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<PlanChange>>([]);

    public Task<IReadOnlyList<PlanChange>> CleanupHostAsync(HostContext context, bool dryRun, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<PlanChange>>([]);
}
