using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace CocoonNet.Providers.Gke;

/// <summary>
/// IPv4 CIDR parsing the way GCE writes ranges: <c>10.0.0.0/24</c>, or a bare address meaning /32. Ranges
/// compare canonically (host bits cleared), so <c>10.0.0.7/24</c> and <c>10.0.0.0/24</c> are the same range.
/// </summary>
internal static class Cidr
{
    public static bool TryParse(string? text, out IPNetwork network)
    {
        network = default;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }

        var parts = text.Trim().Split('/');
        var prefix = 32;
        if (parts.Length > 2 || !IPAddress.TryParse(parts[0], out var address) || address.AddressFamily != AddressFamily.InterNetwork
            || (parts.Length == 2 && (!int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out prefix) || prefix > 32)))
        {
            return false;
        }

        network = new IPNetwork(Mask(address, prefix), prefix);
        return true;
    }

    public static IPNetwork Parse(string text) =>
        TryParse(text, out var network) ? network : throw new FormatException($"{text} is not an IPv4 CIDR");

    /// <summary>True when <paramref name="outer"/> contains every address of <paramref name="inner"/>.</summary>
    public static bool Covers(IPNetwork outer, IPNetwork inner) =>
        outer.PrefixLength <= inner.PrefixLength && outer.Contains(inner.BaseAddress);

    public static bool Overlap(IPNetwork a, IPNetwork b) => a.Contains(b.BaseAddress) || b.Contains(a.BaseAddress);

    /// <summary>True when <paramref name="text"/> parses to exactly <paramref name="network"/>.</summary>
    public static bool SameAs(string? text, IPNetwork network) => TryParse(text, out var parsed) && parsed == network;

    private static IPAddress Mask(IPAddress address, int prefix)
    {
        var bytes = address.GetAddressBytes();
        var value = (uint)bytes[0] << 24 | (uint)bytes[1] << 16 | (uint)bytes[2] << 8 | bytes[3];
        var mask = prefix == 0 ? 0u : uint.MaxValue << (32 - prefix);
        var masked = value & mask;
        return new IPAddress([(byte)(masked >> 24), (byte)(masked >> 16), (byte)(masked >> 8), (byte)masked]);
    }
}
