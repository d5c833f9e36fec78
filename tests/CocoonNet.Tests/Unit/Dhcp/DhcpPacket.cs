using System.Buffers.Binary;
using System.Net;
using CocoonNet.Node.Dhcp.Embedded;

namespace CocoonNet.Tests.Unit.Dhcp;

/// <summary>
/// Client datagrams for the embedded server's tests, written byte by byte (not through the code under test) so a
/// malformed one is as easy to make as a good one.
/// </summary>
internal sealed record DhcpPacket
{
    public byte Op { get; init; } = 1;

    public byte HardwareType { get; init; } = 1;

    public byte HardwareLength { get; init; } = 6;

    public uint Xid { get; init; } = 0x1234_5678;

    public ushort Flags { get; init; }

    public IPAddress Ciaddr { get; init; } = IPAddress.Any;

    public IPAddress Giaddr { get; init; } = IPAddress.Any;

    public string Mac { get; init; } = "52:54:00:00:00:01";

    public byte[] Cookie { get; init; } = [99, 130, 83, 99];

    /// <summary>Options in wire order, each written as code, length, value.</summary>
    public IReadOnlyList<(byte Code, byte[] Value)> Options { get; init; } = [];

    /// <summary>Bytes after the options: END by default.</summary>
    public byte[] Trailer { get; init; } = [255];

    public static DhcpPacket Of(DhcpMessageType type, string mac, IPAddress? requested = null, IPAddress? server = null,
        IPAddress? ciaddr = null)
    {
        var options = new List<(byte, byte[])> { (53, [(byte)type]) };
        if (requested is not null)
        {
            options.Add((50, requested.GetAddressBytes()));
        }

        if (server is not null)
        {
            options.Add((54, server.GetAddressBytes()));
        }

        options.Add((55, [1, 3, 6, 51, 54]));
        return new DhcpPacket { Mac = mac, Ciaddr = ciaddr ?? IPAddress.Any, Options = options };
    }

    public DhcpPacket With(byte code, byte[] value) => this with { Options = [.. Options, (code, value)] };

    public byte[] Build()
    {
        var bytes = new List<byte>();
        var header = new byte[236];
        header[0] = Op;
        header[1] = HardwareType;
        header[2] = HardwareLength;
        BinaryPrimitives.WriteUInt32BigEndian(header.AsSpan(4), Xid);
        BinaryPrimitives.WriteUInt16BigEndian(header.AsSpan(10), Flags);
        Ciaddr.GetAddressBytes().CopyTo(header, 12);
        Giaddr.GetAddressBytes().CopyTo(header, 24);
        Convert.FromHexString(Mac.Replace(":", "", StringComparison.Ordinal)).CopyTo(header, 28);
        bytes.AddRange(header);
        bytes.AddRange(Cookie);
        foreach (var (code, value) in Options)
        {
            bytes.Add(code);
            bytes.Add((byte)value.Length);
            bytes.AddRange(value);
        }

        bytes.AddRange(Trailer);
        return [.. bytes];
    }
}

/// <summary>A reply as the client reads it.</summary>
internal sealed record DhcpAnswer(byte[] Bytes, IPEndPoint Destination)
{
    public static DhcpAnswer Of(DhcpReply reply) => new(reply.Payload, reply.Destination);

    public DhcpMessageType Type => (DhcpMessageType)Option(53)![0];

    public IPAddress Yiaddr => new(Bytes.AsSpan(16, 4));

    public IPAddress Ciaddr => new(Bytes.AsSpan(12, 4));

    public uint LeaseSeconds => BinaryPrimitives.ReadUInt32BigEndian(Option(51));

    public byte[]? Option(byte code)
    {
        for (var i = 240; i < Bytes.Length && Bytes[i] != 255;)
        {
            if (Bytes[i] == 0)
            {
                i++;
                continue;
            }

            if (Bytes[i] == code)
            {
                return Bytes.AsSpan(i + 2, Bytes[i + 1]).ToArray();
            }

            i += 2 + Bytes[i + 1];
        }

        return null;
    }
}
