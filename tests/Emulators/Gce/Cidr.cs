using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace CocoonNet.Emulators.Gce;

/// <summary>IPv4 ranges as GCE checks them: a CIDR or a bare address (/32), compared canonically.</summary>
internal readonly record struct Cidr(uint Network, int Prefix)
{
    public uint Last => Network | (Prefix == 0 ? uint.MaxValue : ~(uint.MaxValue << (32 - Prefix)));

    public static bool TryParse(string? text, out Cidr cidr)
    {
        cidr = default;
        var parts = (text ?? "").Trim().Split('/');
        var prefix = 32;
        if (parts.Length > 2 || !IPAddress.TryParse(parts[0], out var address) || address.AddressFamily != AddressFamily.InterNetwork
            || (parts.Length == 2 && (!int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out prefix) || prefix > 32)))
        {
            return false;
        }

        var b = address.GetAddressBytes();
        var value = (uint)b[0] << 24 | (uint)b[1] << 16 | (uint)b[2] << 8 | b[3];
        var mask = prefix == 0 ? 0u : uint.MaxValue << (32 - prefix);
        cidr = new Cidr(value & mask, prefix);
        return (value & mask) == value;
    }

    public static Cidr Parse(string text) => TryParse(text, out var cidr) ? cidr : throw new FormatException($"{text} is not a canonical IPv4 CIDR");

    public bool Contains(Cidr inner) => Prefix <= inner.Prefix && inner.Network >= Network && inner.Last <= Last;

    public bool Overlaps(Cidr other) => Network <= other.Last && other.Network <= Last;

    public override string ToString() =>
        $"{Network >> 24}.{(Network >> 16) & 255}.{(Network >> 8) & 255}.{Network & 255}/{Prefix}";
}
