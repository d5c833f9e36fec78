using System.Net;
using CocoonNet.Node.Linux;

namespace CocoonNet.Node.Dhcp.Embedded;

/// <summary>
/// A lease's <c>/32</c> route via the bridge, in the form the route step writes (table main, cocoon-net's protocol id,
/// scope link, unicast), so re-runs and teardown recognise it as cocoon-net's. The bridge's index is looked up on each
/// call: cni0 re-created by a re-run gets a new one.
/// </summary>
internal sealed class KernelLeaseRoutes(IKernelNetwork kernel, string bridge) : ILeaseRoutes
{
    public Task AddAsync(IPAddress address, CancellationToken cancellationToken)
    {
        kernel.ReplaceRoutes([Route(address, BridgeIndex())]);
        return Task.CompletedTask;
    }

    public Task RemoveAsync(IPAddress address, CancellationToken cancellationToken)
    {
        // Deleting by the same key (destination, table, protocol, device); a route already gone is no error.
        if (kernel.ListLinks().FirstOrDefault(l => l.Name == bridge) is { } link)
        {
            kernel.DeleteRoutes([Route(address, link.Index)]);
        }

        return Task.CompletedTask;
    }

    private int BridgeIndex() =>
        kernel.ListLinks().FirstOrDefault(l => l.Name == bridge)?.Index
        ?? throw new InvalidOperationException($"{bridge} does not exist");

    private static RouteInfo Route(IPAddress address, int bridgeIndex) => new(
        address, 32, bridgeIndex, RouteConstants.TableMain, RouteConstants.ProtocolCocoonNet, RouteConstants.ScopeLink, RouteConstants.TypeUnicast);
}
