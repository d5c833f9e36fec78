using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;

namespace CocoonNet.Node.Net;

/// <summary>IPv4 address math on host-order <see cref="uint"/> values.</summary>
internal static class Ipv4
{
    public static uint ToUInt32(IPAddress address)
    {
        if (address.AddressFamily != AddressFamily.InterNetwork)
        {
            throw new ArgumentException($"{address} is not IPv4", nameof(address));
        }

        Span<byte> bytes = stackalloc byte[4];
        address.TryWriteBytes(bytes, out _);
        return BinaryPrimitives.ReadUInt32BigEndian(bytes);
    }

    public static IPAddress FromUInt32(uint value)
    {
        Span<byte> bytes = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(bytes, value);
        return new IPAddress(bytes);
    }

    public static uint Mask(int prefixLength) => prefixLength == 0 ? 0u : uint.MaxValue << (32 - prefixLength);

    public static uint Network(IPNetwork subnet) => ToUInt32(subnet.BaseAddress) & Mask(subnet.PrefixLength);

    public static uint Broadcast(IPNetwork subnet) => Network(subnet) | ~Mask(subnet.PrefixLength);

    public static IPAddress Netmask(IPNetwork subnet) => FromUInt32(Mask(subnet.PrefixLength));

    /// <summary>Network address + 1: the default gateway.</summary>
    public static IPAddress FirstHost(IPNetwork subnet)
    {
        if (subnet.PrefixLength > 30)
        {
            throw new ArgumentException($"subnet {subnet} has no room for a gateway and VMs (prefix must be /30 or shorter)");
        }

        return FromUInt32(Network(subnet) + 1);
    }

    public static bool Contains(IPNetwork outer, IPNetwork inner) =>
        outer.PrefixLength <= inner.PrefixLength && outer.Contains(inner.BaseAddress);

    /// <summary>Sorted, de-duplicated runs of consecutive addresses: the dnsmasq ranges.</summary>
    public static IReadOnlyList<(IPAddress First, IPAddress Last)> ContiguousRuns(IEnumerable<IPAddress> addresses)
    {
        var sorted = new List<uint>();
        foreach (var address in addresses)
        {
            sorted.Add(ToUInt32(address));
        }

        if (!IsStrictlyAscending(sorted))
        {
            // Pools are generated in order, so this is rare; skipping it keeps the generic sort off start-up.
            sorted = [.. sorted.Distinct().Order()];
        }

        var runs = new List<(IPAddress, IPAddress)>();
        for (var i = 0; i < sorted.Count;)
        {
            var j = i;
            while (j + 1 < sorted.Count && sorted[j + 1] == sorted[j] + 1)
            {
                j++;
            }

            runs.Add((FromUInt32(sorted[i]), FromUInt32(sorted[j])));
            i = j + 1;
        }

        return runs;
    }

    private static bool IsStrictlyAscending(List<uint> values)
    {
        for (var i = 1; i < values.Count; i++)
        {
            if (values[i] <= values[i - 1])
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>"a-b, c" for logs and plans: compact and exact.</summary>
    public static string DescribeRuns(IEnumerable<IPAddress> addresses) =>
        string.Join(", ", ContiguousRuns(addresses).Select(r => r.First.Equals(r.Last) ? $"{r.First}" : $"{r.First}-{r.Last}"));

    /// <summary>
    /// Parses a strict dotted-quad IPv4 address: no shorthand such as <c>10.1</c> and no leading zeros,
    /// which some parsers read as octal (<c>010.0.0.1</c> = 8.0.0.1).
    /// </summary>
    public static bool TryParseStrict(string text, out IPAddress address)
    {
        address = IPAddress.None;
        var parts = text.Split('.');
        if (parts.Length != 4)
        {
            return false;
        }

        Span<byte> bytes = stackalloc byte[4];
        for (var i = 0; i < 4; i++)
        {
            var part = parts[i];
            if (part.Length is 0 or > 3 || (part.Length > 1 && part[0] == '0') || !part.All(char.IsAsciiDigit))
            {
                return false;
            }

            var value = int.Parse(part, System.Globalization.CultureInfo.InvariantCulture);
            if (value > 255)
            {
                return false;
            }

            bytes[i] = (byte)value;
        }

        address = new IPAddress(bytes);
        return true;
    }
}
