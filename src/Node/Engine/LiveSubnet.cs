using System.Net;
using CocoonNet.Node.Linux;
using CocoonNet.Node.Pipeline;

namespace CocoonNet.Node.Engine;

/// <summary>
/// The VM subnet against the node as the kernel has it now, before anything changes: it must hold none of the
/// node's own addresses and no next hop of its routes. Routes and the local-route sweep act on the whole subnet,
/// so such a subnet would take the node's addresses (and with them its way to the API server) off the network.
/// cni0 is left out: on a re-run it already holds the gateway, and routes through it are cocoon-net's own. So are the
/// uplinks pool.json records for the node (Volcengine's secondary ENIs): those NICs live inside the VM subnet by
/// design, and an image that gives them their ENI's primary address (or a route through the subnet's VPC gateway)
/// must not make every later run refuse a healthy node.
/// </summary>
internal static class LiveSubnet
{
    /// <summary>Null when <paramref name="subnet"/> is clear of the node, else the end of a sentence naming the conflict.</summary>
    public static string? Conflict(IKernelNetwork kernel, IPNetwork subnet, IReadOnlyCollection<string>? uplinks = null) =>
        Occupied(kernel, uplinks).Where(o => subnet.Contains(o.Address)).Select(o => $"contains {o.Address}, {o.What}").FirstOrDefault();

    /// <summary>The node's addresses and next hops no VM subnet may hold (an allocator skips subnets holding any).</summary>
    public static IReadOnlyList<IPAddress> Addresses(IKernelNetwork kernel, IReadOnlyCollection<string>? uplinks = null) =>
        Occupied(kernel, uplinks).Select(o => o.Address).ToList();

    /// <summary>
    /// Every address on a device but cni0 and the recorded uplinks, then every next hop of a main-table route not
    /// through one of them, each said in words.
    /// </summary>
    private static IEnumerable<(IPAddress Address, string What)> Occupied(IKernelNetwork kernel, IReadOnlyCollection<string>? uplinks)
    {
        var names = kernel.ListLinks().ToDictionary(l => l.Index, l => l.Name);
        string Device(int index) => names.TryGetValue(index, out var name) ? name : $"link {index}";
        bool Ours(int index) => names.TryGetValue(index, out var name) && (name == HostSpec.Bridge || (uplinks?.Contains(name) ?? false));

        foreach (var address in kernel.ListAddresses().Where(a => !Ours(a.Index)))
        {
            yield return (address.Address, $"an address of this node on {Device(address.Index)}");
        }

        foreach (var route in kernel.ListRoutes(RouteConstants.TableMain).Where(r => r.Gateway is not null && !Ours(r.OutputIndex)))
        {
            var destination = route.PrefixLength == 0 ? "default route" : $"route to {route.Destination}/{route.PrefixLength}";
            yield return (route.Gateway!, $"the next hop of this node's {destination} on {Device(route.OutputIndex)}");
        }
    }

    /// <summary>
    /// Null when <paramref name="subnet"/> is clear of the node, else the one-line refusal; <paramref name="source"/>
    /// names where the subnet came from ("--subnet", an annotation, pool.json).
    /// </summary>
    public static string? Refusal(IKernelNetwork kernel, IPNetwork subnet, string source, IReadOnlyCollection<string>? uplinks = null) =>
        Conflict(kernel, subnet, uplinks) is { } conflict
            ? $"{source} {subnet} {conflict}: choose a VM subnet outside the node's own networks"
            : null;
}
