#if !CONTRACT_BEFORE_2_2
using System.Net;

namespace CocoonNet.Abstractions;

/// <summary>
/// What a backend keeps in place on the host between runs, so the long-running agent (<c>cocoon-net agent</c>)
/// knows what to watch. Returned by <see cref="IHostNetworkBackend.DescribeWatchAsync"/>. Added in contract 2.2.
/// </summary>
public sealed record HostWatch
{
    /// <summary>
    /// NICs that <see cref="IHostNetworkBackend.PrepareHostAsync"/> brings up (e.g. secondary ENIs). When one of
    /// them goes down, the agent runs <see cref="IHostNetworkBackend.PrepareHostAsync"/> again.
    /// </summary>
    public IReadOnlyList<string> NicsKeptUp { get; init; } = [];

    /// <summary>
    /// Routes in the kernel's <c>local</c> table inside the VM subnet that the platform itself maintains on purpose.
    /// The host pipeline removes every other local route for the VM range on a device other than the bridge,
    /// because such a route makes the node deliver VM traffic to itself (a guest agent's claim on an alias range).
    /// </summary>
    public IReadOnlyList<IPNetwork> OwnedLocalRoutes { get; init; } = [];
}
#endif
