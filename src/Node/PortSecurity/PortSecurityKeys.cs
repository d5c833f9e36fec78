using System.Globalization;
using System.Net;
using System.Text;
using CocoonNet.Node.Linux.Netlink;
using CocoonNet.Node.Net;

namespace CocoonNet.Node.PortSecurity;

/// <summary>
/// Set elements as the kernel stores their keys, for <see cref="NftSetElements"/>: an <c>ifname</c> is 16 bytes
/// (IFNAMSIZ, zero-padded), an <c>ether_addr</c> 6, an <c>ipv4_addr</c> 4 in network order; in a concatenation each
/// field takes whole 32-bit registers (a MAC 8 bytes), as nft lays them out.
/// </summary>
internal static class PortSecurityKeys
{
    /// <summary>The element (as listed: <c>name</c>, <c>mac</c>, <c>mac . ip</c>, <c>name . mac</c>) of <paramref name="set"/>.</summary>
    public static NftSetElement Of(string set, string element, bool add) => new(set, Key(set, element), add);

    /// <summary>Removal that cannot fail on a missing element: added, then deleted, in the same batch.</summary>
    public static IEnumerable<NftSetElement> Removal(string set, string element)
    {
        yield return Of(set, element, add: true);
        yield return Of(set, element, add: false);
    }

    public static byte[] Key(string set, string element) => set switch
    {
        PortSecurityRuleset.PortsSet or PortSecurityRuleset.BoundPortsSet => Ifname(element),
        PortSecurityRuleset.BoundMacsSet => Mac(element, 6),
        PortSecurityRuleset.LeasesSet when element.Split(" . ") is [var mac, var ip] => [.. Mac(mac, 8), .. Ipv4(ip)],
        PortSecurityRuleset.PortMacsSet when element.Split(" . ") is [var port, var mac] => [.. Ifname(port), .. Mac(mac, 8)],
        _ => throw new ArgumentException($"\"{element}\" is not an element of set {set}", nameof(element)),
    };

    private static byte[] Ifname(string name)
    {
        if (!Names.IsInterfaceName(name))
        {
            throw new ArgumentException($"\"{name}\" is not an interface name", nameof(name));
        }

        var key = new byte[16];
        Encoding.ASCII.GetBytes(name, key);
        return key;
    }

    private static byte[] Mac(string text, int length)
    {
        var canonical = PortSecurityRuleset.Mac(text);
        var key = new byte[length];
        for (var i = 0; i < 6; i++)
        {
            key[i] = byte.Parse(canonical.AsSpan(i * 3, 2), NumberStyles.HexNumber, CultureInfo.InvariantCulture);
        }

        return key;
    }

    private static byte[] Ipv4(string text) =>
        IPAddress.TryParse(text, out var ip) && ip.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork
            ? ip.GetAddressBytes()
            : throw new ArgumentException($"\"{text}\" is not an IPv4 address", nameof(text));
}
