using CocoonNet.Abstractions;

namespace CocoonNet.Providers.Adopt;

/// <summary>Host specifics of a plain Linux host: no secondary NICs, nothing to prepare.</summary>
internal sealed class GenericHostBackend : IHostNetworkBackend
{
    public string DefaultPrimaryNic => "eth0";

    public Task<IReadOnlyList<string>> ResolveUplinksAsync(HostContext context, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<string>>([]);

    public Task<IReadOnlyList<PlanChange>> PrepareHostAsync(HostContext context, bool dryRun, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<PlanChange>>([]);

    public Task<IReadOnlyList<PlanChange>> CleanupHostAsync(HostContext context, bool dryRun, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<PlanChange>>([]);
}
