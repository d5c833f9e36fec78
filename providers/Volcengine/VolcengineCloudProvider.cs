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
internal sealed class VolcengineCloudProvider(IServiceProvider services, IHostFileSystem files, IPluginSettings settings)
    : ICloudProvider, IDetectionFallback
{
    /// <summary>
    /// A cheap local sign first (<see cref="EcsHardware"/>), the metadata server only then; an explicitly
    /// set metadata URL is always probed. Without either, only the host's fallback (<see cref="ProbeAsync"/>) probes.
    /// </summary>
    public async Task<bool> DetectAsync(CancellationToken cancellationToken) =>
        SeesLocalSignal() && await services.GetRequiredService<MetadataClient>().DetectAsync(cancellationToken).ConfigureAwait(false);

    public bool SeesLocalSignal() => settings[VolcengineSettings.MetadataUrlSetting] is { Length: > 0 } || EcsHardware.IsVolcengine(files);

    /// <summary>
    /// The same request as <see cref="DetectAsync"/> (token, then <c>instance_id</c>, yes only on an <c>i-...</c>
    /// id), always at the default address <see cref="VolcengineSettings.DefaultMetadataUrl"/>: the host asks this
    /// only when no metadata URL is set. Its settings are built here, not resolved, so that a bad
    /// <c>VOLCENGINE_ENDPOINT</c> (an init-time error) cannot turn the probe into an error. The base is
    /// volcengine/cello's (<c>pkg/provider/volcengine/metadata/ec2metadata.go</c>, <c>metadataURL</c>); a Volcengine
    /// guest agent checks its metadata data source with this very <c>instance_id</c> GET (see docs/volcengine.md).
    /// </summary>
    public Task<bool> ProbeAsync(CancellationToken cancellationToken)
    {
        var http = services.GetRequiredService<IHttpClientFactory>().CreateClient(nameof(MetadataClient));
        var defaults = new VolcengineSettings { Endpoint = new Uri(VolcengineSettings.DefaultEndpoint), MetadataUrl = new Uri(VolcengineSettings.DefaultMetadataUrl) };
        return new MetadataClient(http, defaults).DetectAsync(cancellationToken);
    }

    public Task<ProvisionResult> ProvisionAsync(ProvisionRequest request, IProvisionCheckpoint checkpoint, CancellationToken cancellationToken) =>
        services.GetRequiredService<NodeProvisioner>().ProvisionAsync(request, checkpoint, cancellationToken);

    public Task<CloudStatus> GetStatusAsync(CloudResources resources, CancellationToken cancellationToken) =>
        services.GetRequiredService<NodeStatus>().GetAsync(resources, cancellationToken);

    public Task<IReadOnlyList<PlanChange>> TeardownAsync(TeardownRequest request, CancellationToken cancellationToken) =>
        services.GetRequiredService<NodeTeardown>().TeardownAsync(request, cancellationToken);
}
