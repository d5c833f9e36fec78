using System.Net;
using CocoonNet.Abstractions;
using CocoonNet.Node.Linux;

namespace CocoonNet.Host.Composition;

/// <summary>The contract's view of the host's network and files, for plugins.</summary>
internal sealed class HostNetwork(IKernelNetwork kernel) : IHostNetwork
{
    public Task<IReadOnlyList<HostLink>> ListLinksAsync(CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<HostLink>>(
            kernel.ListLinks().Select(l => new HostLink { Name = l.Name, Index = l.Index, Mac = l.Mac, IsUp = l.IsUp, Kind = l.Kind }).ToList());

    public Task SetLinkUpAsync(string name, CancellationToken cancellationToken)
    {
        var link = Find(name) ?? throw new InvalidOperationException($"set {name} up: no such link");
        if (!link.IsUp)
        {
            kernel.SetLinkUp(link.Index);
        }

        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<IPNetwork>> ListLocalRoutesAsync(string device, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<IPNetwork>>(LocalRoutes(device).Select(r => new IPNetwork(r.Destination, r.PrefixLength)).ToList());

    public Task<bool> DeleteLocalRouteAsync(IPNetwork destination, string device, CancellationToken cancellationToken)
    {
        var routes = LocalRoutes(device)
            .Where(r => r.Destination.Equals(destination.BaseAddress) && r.PrefixLength == destination.PrefixLength)
            .ToList();
        kernel.DeleteRoutes(routes);
        return Task.FromResult(routes.Count > 0);
    }

    private LinkInfo? Find(string name) => kernel.ListLinks().FirstOrDefault(l => l.Name == name);

    private List<RouteInfo> LocalRoutes(string device) => Find(device) is { } link
        ? kernel.ListRoutes(RouteConstants.TableLocal)
            .Where(r => r.OutputIndex == link.Index && r.Type == RouteConstants.TypeLocal)
            .ToList()
        : [];
}

/// <summary>Maps host paths under COCOON_NET_ROOT.</summary>
internal sealed class HostFileSystem(HostPaths paths) : IHostFileSystem
{
    public string PathOf(string absolutePath) => paths.Under(absolutePath);
}
