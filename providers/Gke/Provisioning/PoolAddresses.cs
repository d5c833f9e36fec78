using System.Net;

namespace CocoonNet.Providers.Gke.Provisioning;

/// <summary>
/// The VM addresses of an alias range: every host address but network, broadcast and the gateway, in
/// order. The whole range is routed to the node, so any of them may be handed out.
/// </summary>
internal static class PoolAddresses
{
    public static IReadOnlyList<IPAddress> Of(IPNetwork subnet, IPAddress gateway, int count)
    {
        var network = ToUInt32(subnet.BaseAddress);
        var broadcast = network + (uint)((1L << (32 - subnet.PrefixLength)) - 1);
        var skip = ToUInt32(gateway);
        var result = new List<IPAddress>();
        for (var ip = network + 1; ip < broadcast && result.Count < count; ip++)
        {
            if (ip != skip)
            {
                result.Add(new IPAddress([(byte)(ip >> 24), (byte)(ip >> 16), (byte)(ip >> 8), (byte)ip]));
            }
        }

        return result;
    }

    private static uint ToUInt32(IPAddress address)
    {
        var b = address.GetAddressBytes();
        return (uint)b[0] << 24 | (uint)b[1] << 16 | (uint)b[2] << 8 | b[3];
    }
}
