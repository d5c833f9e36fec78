using System.Globalization;

namespace CocoonNet.Node.Leases;

/// <summary>
/// MAC addresses in the one form leases.json, the control socket and the logs use: six lower-case hex pairs joined by
/// colons (Go's <c>net.HardwareAddr.String()</c>, which vk-cocoon sends).
/// </summary>
internal static class MacAddress
{
    /// <summary>
    /// Accepts six hex pairs separated by ':' or '-' (either case, one separator throughout), as vk-cocoon and
    /// operators write them; anything else (other lengths, EUI-64, Cisco dots) is not a guest NIC's address here.
    /// </summary>
    public static bool TryCanonical(string? text, out string mac)
    {
        mac = "";
        if (text is not { Length: 17 })
        {
            return false;
        }

        var separator = text[2];
        if (separator is not (':' or '-'))
        {
            return false;
        }

        Span<byte> bytes = stackalloc byte[6];
        for (var i = 0; i < 6; i++)
        {
            if (i > 0 && text[(i * 3) - 1] != separator)
            {
                return false;
            }

            if (!byte.TryParse(text.AsSpan(i * 3, 2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out bytes[i]))
            {
                return false;
            }
        }

        mac = Format(bytes);
        return true;
    }

    /// <summary>The canonical text of a 6-byte hardware address (a DHCP message's <c>chaddr</c>).</summary>
    public static string Format(ReadOnlySpan<byte> address) => string.Create(17, address.ToArray(), static (chars, bytes) =>
    {
        for (var i = 0; i < 6; i++)
        {
            if (i > 0)
            {
                chars[(i * 3) - 1] = ':';
            }

            bytes[i].TryFormat(chars.Slice(i * 3, 2), out _, "x2", CultureInfo.InvariantCulture);
        }
    });
}
