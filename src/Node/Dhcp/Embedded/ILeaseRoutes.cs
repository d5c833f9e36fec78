using System.Net;

namespace CocoonNet.Node.Dhcp.Embedded;

/// <summary>
/// The per-lease <c>/32</c> routes via cni0 (upstream's newest design): one while an address is leased, none otherwise.
/// Both calls are idempotent (replace; a missing route is no error) and throw when the kernel refuses.
/// </summary>
internal interface ILeaseRoutes
{
    Task AddAsync(IPAddress address, CancellationToken cancellationToken);

    Task RemoveAsync(IPAddress address, CancellationToken cancellationToken);
}
