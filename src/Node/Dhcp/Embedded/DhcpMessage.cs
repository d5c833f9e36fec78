using System.Buffers.Binary;
using System.Net;

namespace CocoonNet.Node.Dhcp.Embedded;

/// <summary>
/// A DHCPv4 message (RFC 2131 section 2): the fixed BOOTP header, the magic cookie and the options. <see cref="TryParse"/>
/// accepts only what a client on an Ethernet bridge sends and names the reason for anything else; <see cref="Serialize"/>
/// writes a reply.
/// </summary>
internal sealed class DhcpMessage
{
    public const byte BootRequest = 1;
    public const byte BootReply = 2;
    public const byte EthernetHardware = 1;
    public const int HeaderLength = 236;
    public const int MinLength = HeaderLength + 4;

    /// <summary>A DHCP message in one Ethernet frame without fragments; nothing on cni0 legitimately sends more.</summary>
    public const int MaxLength = 1500;

    /// <summary>BOOTP's minimum message (RFC 1542 2.1): some clients and relays discard shorter replies.</summary>
    public const int MinReplyLength = 300;

    public const ushort BroadcastFlag = 0x8000;

    private static ReadOnlySpan<byte> MagicCookie => [99, 130, 83, 99];

    public byte Op { get; init; }

    public byte HardwareType { get; init; } = EthernetHardware;

    public byte HardwareLength { get; init; } = 6;

    public byte Hops { get; init; }

    public uint TransactionId { get; init; }

    public ushort Seconds { get; init; }

    public ushort Flags { get; init; }

    public IPAddress ClientAddress { get; init; } = IPAddress.Any;

    public IPAddress YourAddress { get; init; } = IPAddress.Any;

    public IPAddress ServerAddress { get; init; } = IPAddress.Any;

    public IPAddress RelayAddress { get; init; } = IPAddress.Any;

    /// <summary>The 16-byte chaddr field as received (only the first 6 bytes are the Ethernet address).</summary>
    public byte[] ClientHardware { get; init; } = new byte[16];

    public IReadOnlyList<DhcpOption> Options { get; init; } = [];

    public DhcpMessageType Type => (DhcpMessageType)(Option(DhcpOptionCode.MessageType)?[0] ?? 0);

    public byte[]? Option(byte code) => Options.FirstOrDefault(o => o.Code == code)?.Value;

    /// <summary>Option 50 or 54 as an address (the parser already checked their length).</summary>
    public IPAddress? AddressOption(byte code) => Option(code) is { } value ? new IPAddress(value) : null;

    /// <summary>
    /// The message in <paramref name="datagram"/>, or null with <paramref name="reason"/> (one short line for a debug
    /// log) when it is not a well-formed client message. Never throws.
    /// </summary>
    public static DhcpMessage? TryParse(ReadOnlySpan<byte> datagram, out string reason)
    {
        if (datagram.Length is < MinLength or > MaxLength)
        {
            reason = $"{datagram.Length} bytes (a DHCP message has {MinLength} to {MaxLength})";
            return null;
        }

        if (datagram[0] != BootRequest)
        {
            reason = $"op {datagram[0]} is not BOOTREQUEST";
            return null;
        }

        if (datagram[1] != EthernetHardware || datagram[2] != 6)
        {
            reason = $"hardware type {datagram[1]} length {datagram[2]} is not Ethernet";
            return null;
        }

        if (!datagram.Slice(HeaderLength, 4).SequenceEqual(MagicCookie))
        {
            reason = "no DHCP magic cookie";
            return null;
        }

        if (ParseOptions(datagram[MinLength..], out reason) is not { } options)
        {
            return null;
        }

        var message = new DhcpMessage
        {
            Op = datagram[0],
            HardwareType = datagram[1],
            HardwareLength = datagram[2],
            Hops = datagram[3],
            TransactionId = BinaryPrimitives.ReadUInt32BigEndian(datagram[4..]),
            Seconds = BinaryPrimitives.ReadUInt16BigEndian(datagram[8..]),
            Flags = BinaryPrimitives.ReadUInt16BigEndian(datagram[10..]),
            ClientAddress = new IPAddress(datagram.Slice(12, 4)),
            YourAddress = new IPAddress(datagram.Slice(16, 4)),
            ServerAddress = new IPAddress(datagram.Slice(20, 4)),
            RelayAddress = new IPAddress(datagram.Slice(24, 4)),
            ClientHardware = datagram.Slice(28, 16).ToArray(),
            Options = options,
        };
        reason = Validate(message) ?? "";
        return reason.Length == 0 ? message : null;
    }

    /// <summary>
    /// The options up to END. A code that appears more than once is joined into one value (RFC 3396 concatenation,
    /// accepted: it is how a long parameter request list or client id is legally sent); the checks on the options the
    /// server reads then see the joined value, so a repeated option 53 is a bad option 53.
    /// </summary>
    private static List<DhcpOption>? ParseOptions(ReadOnlySpan<byte> data, out string reason)
    {
        var options = new List<DhcpOption>();
        var i = 0;
        while (true)
        {
            if (i >= data.Length)
            {
                reason = "no END option";
                return null;
            }

            var code = data[i];
            if (code == DhcpOptionCode.Pad)
            {
                i++;
                continue;
            }

            if (code == DhcpOptionCode.End)
            {
                // Whatever follows END is padding to the client: not read.
                reason = "";
                return options;
            }

            if (i + 1 >= data.Length || i + 2 + data[i + 1] > data.Length)
            {
                reason = $"option {code} runs past the end of the message";
                return null;
            }

            var value = data.Slice(i + 2, data[i + 1]).ToArray();
            var index = options.FindIndex(o => o.Code == code);
            if (index < 0)
            {
                options.Add(new DhcpOption(code, value));
            }
            else
            {
                options[index] = options[index] with { Value = [.. options[index].Value, .. value] };
            }

            i += 2 + value.Length;
        }
    }

    private static string? Validate(DhcpMessage message)
    {
        if (message.Option(DhcpOptionCode.Overload) is not null)
        {
            // Options in sname/file: no client of a VM needs it, and reading them doubles the parser.
            return "option overload (52) is not supported";
        }

        var type = message.Option(DhcpOptionCode.MessageType);
        if (type is null)
        {
            return "no message type (option 53)";
        }

        if (type.Length != 1 || type[0] is < (byte)DhcpMessageType.Discover or > (byte)DhcpMessageType.Inform)
        {
            return $"bad message type (option 53: {Convert.ToHexString(type)})";
        }

        foreach (var code in (ReadOnlySpan<byte>)[DhcpOptionCode.RequestedAddress, DhcpOptionCode.ServerIdentifier])
        {
            if (message.Option(code) is { Length: not 4 } bad)
            {
                return $"option {code} is {bad.Length} bytes, not an IPv4 address";
            }
        }

        return null;
    }

    /// <summary>
    /// The message's bytes: header, cookie, options in list order (values over 255 bytes split per RFC 3396), END, and
    /// zero padding up to <see cref="MinReplyLength"/>.
    /// </summary>
    public byte[] Serialize()
    {
        var bytes = new List<byte>(MinReplyLength);
        Span<byte> header = stackalloc byte[HeaderLength];
        header.Clear();
        header[0] = Op;
        header[1] = HardwareType;
        header[2] = HardwareLength;
        header[3] = Hops;
        BinaryPrimitives.WriteUInt32BigEndian(header[4..], TransactionId);
        BinaryPrimitives.WriteUInt16BigEndian(header[8..], Seconds);
        BinaryPrimitives.WriteUInt16BigEndian(header[10..], Flags);
        ClientAddress.TryWriteBytes(header[12..16], out _);
        YourAddress.TryWriteBytes(header[16..20], out _);
        ServerAddress.TryWriteBytes(header[20..24], out _);
        RelayAddress.TryWriteBytes(header[24..28], out _);
        ClientHardware.AsSpan(0, Math.Min(16, ClientHardware.Length)).CopyTo(header[28..44]);
        bytes.AddRange(header);
        bytes.AddRange(MagicCookie);
        foreach (var option in Options)
        {
            var offset = 0;
            do
            {
                var length = Math.Min(255, option.Value.Length - offset);
                bytes.Add(option.Code);
                bytes.Add((byte)length);
                bytes.AddRange(option.Value.AsSpan(offset, length));
                offset += length;
            }
            while (offset < option.Value.Length);
        }

        bytes.Add(DhcpOptionCode.End);
        while (bytes.Count < MinReplyLength)
        {
            bytes.Add(DhcpOptionCode.Pad);
        }

        return [.. bytes];
    }
}
