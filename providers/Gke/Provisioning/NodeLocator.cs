using CocoonNet.Abstractions;
using CocoonNet.Providers.Gke.Metadata;

namespace CocoonNet.Providers.Gke.Provisioning;

/// <summary>Finds this node from the metadata server, or from what init recorded.</summary>
internal sealed class NodeLocator(MetadataClient metadata)
{
    public async Task<NodeLocation> DiscoverAsync(CancellationToken cancellationToken)
    {
        // The textual project id, not the number in instance/zone: the API rejects numbers in some paths.
        var project = metadata.GetAsync("project/project-id", cancellationToken);
        var zone = metadata.GetAsync("instance/zone", cancellationToken);
        var name = metadata.GetAsync("instance/name", cancellationToken);
        await Task.WhenAll(project, zone, name).ConfigureAwait(false);
        return NodeLocation.Create(await project.ConfigureAwait(false), await zone.ConfigureAwait(false), await name.ConfigureAwait(false));
    }

    /// <summary>The recorded location (status and teardown need no metadata then), else discovery.</summary>
    public async Task<NodeLocation> LocateAsync(CloudResources resources, CancellationToken cancellationToken) =>
        NodeLocation.FromResources(resources) ?? await DiscoverAsync(cancellationToken).ConfigureAwait(false);
}
