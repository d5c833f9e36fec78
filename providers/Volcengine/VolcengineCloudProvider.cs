using CocoonNet.Abstractions;
using CocoonNet.Providers.Volcengine.Metadata;
using CocoonNet.Providers.Volcengine.Provisioning;
using Microsoft.Extensions.DependencyInjection;

namespace CocoonNet.Providers.Volcengine;

/// <summary>
/// Platform <c>volcengine</c>. It resolves the plugin's services only when a command uses them, so a bad
/// <c>VOLCENGINE_ENDPOINT</c> or missing credentials never break detection on another cloud, where only the
/// local hardware check runs.
/// </summary>
internal sealed class VolcengineCloudProvider(IServiceProvider services, IHostFileSystem files, IPluginSettings settings) : ICloudProvider
{
    /// <summary>
    /// A cheap local sign first (<see cref="EcsHardware"/>), the metadata server only then; an explicitly
    /// set metadata URL is always probed. Any other machine sends no packet to 100.96.0.96.
    /// </summary>
    public async Task<bool> DetectAsync(CancellationToken cancellationToken) =>
        (settings[VolcengineSettings.MetadataUrlSetting] is { Length: > 0 } || EcsHardware.IsVolcengine(files))
        && await services.GetRequiredService<MetadataClient>().DetectAsync(cancellationToken).ConfigureAwait(false);

    public Task<ProvisionResult> ProvisionAsync(ProvisionRequest request, IProvisionCheckpoint checkpoint, CancellationToken cancellationToken) =>
        services.GetRequiredService<NodeProvisioner>().ProvisionAsync(request, checkpoint, cancellationToken);

    public Task<CloudStatus> GetStatusAsync(CloudResources resources, CancellationToken cancellationToken) =>
        services.GetRequiredService<NodeStatus>().GetAsync(resources, cancellationToken);

    public Task<IReadOnlyList<PlanChange>> TeardownAsync(TeardownRequest request, CancellationToken cancellationToken) =>
        services.GetRequiredService<NodeTeardown>().TeardownAsync(request, cancellationToken);
}
