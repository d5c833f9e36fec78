using CocoonNet.Abstractions;
using CocoonNet.Providers.Volcengine.Metadata;
using CocoonNet.Providers.Volcengine.Provisioning;
using Microsoft.Extensions.DependencyInjection;

namespace CocoonNet.Providers.Volcengine;

/// <summary>
/// Platform <c>volcengine</c>: the ICloudProvider the host finds by scanning this assembly. It resolves the
/// plugin's internal services only when a command uses them, so a bad <c>VOLCENGINE_ENDPOINT</c> or missing
/// credentials never break <c>cocoon-net plugins</c> or another cloud's commands.
/// </summary>
public sealed class VolcengineCloudProvider(IServiceProvider services) : ICloudProvider
{
    public const string PlatformName = "volcengine";

    public string Platform => PlatformName;

    public Task<bool> DetectAsync(CancellationToken cancellationToken) =>
        services.GetRequiredService<MetadataClient>().DetectAsync(cancellationToken);

    public Task<ProvisionResult> ProvisionAsync(ProvisionRequest request, IProvisionCheckpoint checkpoint, CancellationToken cancellationToken) =>
        services.GetRequiredService<NodeProvisioner>().ProvisionAsync(request, checkpoint, cancellationToken);

    public Task<CloudStatus> GetStatusAsync(CloudResources resources, CancellationToken cancellationToken) =>
        services.GetRequiredService<NodeStatus>().GetAsync(resources, cancellationToken);

    public Task<IReadOnlyList<string>> TeardownAsync(TeardownRequest request, CancellationToken cancellationToken) =>
        services.GetRequiredService<NodeTeardown>().TeardownAsync(request, cancellationToken);
}
