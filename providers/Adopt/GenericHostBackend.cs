using CocoonNet.Abstractions;

namespace CocoonNet.Providers.Adopt;

/// <summary>Host specifics of a plain Linux host: no secondary NICs, nothing to prepare.</summary>
public sealed class GenericHostBackend : IHostNetworkBackend
{
    public const string PlatformName = "generic";

    public string Platform => PlatformName;

    public string DefaultPrimaryNic => "eth0";

    public Task<IReadOnlyList<string>> ResolveUplinksAsync(HostContext context, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<string>>([]);

    public Task<IReadOnlyList<string>> PrepareHostAsync(HostContext context, bool dryRun, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<string>>([]);

    public Task<IReadOnlyList<string>> CleanupHostAsync(HostContext context, bool dryRun, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<string>>([]);
}
