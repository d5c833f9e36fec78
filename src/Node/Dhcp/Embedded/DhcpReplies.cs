using System.Buffers.Binary;
using System.Net;
using CocoonNet.Node.Net;

namespace CocoonNet.Node.Dhcp.Embedded;

/// <summary>The server's replies: OFFER, ACK (also to an INFORM) and NAK, their options and where they are sent.</summary>
internal static class DhcpReplies
{
    private const int ServerPort = 67;
    private const int ClientPort = 68;

    private static readonly IPEndPoint Broadcast = new(IPAddress.Broadcast, ClientPort);

    /// <summary>
    /// A reply to <paramref name="request"/>: <paramref name="type"/> Inform means the ACK to an INFORM (options, no
    /// lease). Options in this order: 53, 54, 51, 58, 59, 1, 3, 6, 26; all are sent whatever option 55 asks, which RFC
    /// 2131 permits and every client tolerates.
    /// </summary>
    public static DhcpReply Build(DhcpServerSettings settings, DhcpMessage request, DhcpMessageType type, IPAddress yiaddr)
    {
        var inform = type == DhcpMessageType.Inform;
        var sent = inform ? DhcpMessageType.Ack : type;
        var options = new List<DhcpOption>
        {
            new(DhcpOptionCode.MessageType, [(byte)sent]),
            new(DhcpOptionCode.ServerIdentifier, settings.Server.GetAddressBytes()),
        };
        if (sent is DhcpMessageType.Offer or DhcpMessageType.Ack && !inform)
        {
            var seconds = (uint)Math.Clamp(settings.LeaseTime.TotalSeconds, 1, uint.MaxValue - 1);
            options.Add(new DhcpOption(DhcpOptionCode.LeaseTime, BigEndian(seconds)));
            options.Add(new DhcpOption(DhcpOptionCode.RenewalTime, BigEndian(seconds / 2)));
            options.Add(new DhcpOption(DhcpOptionCode.RebindingTime, BigEndian((uint)(seconds * 7UL / 8))));
        }

        if (sent != DhcpMessageType.Nak)
        {
            options.Add(new DhcpOption(DhcpOptionCode.SubnetMask, Ipv4.Netmask(settings.Subnet).GetAddressBytes()));
            options.Add(new DhcpOption(DhcpOptionCode.Router, settings.Server.GetAddressBytes()));
            if (settings.Dns.Count > 0)
            {
                options.Add(new DhcpOption(DhcpOptionCode.DomainNameServer, [.. settings.Dns.SelectMany(d => d.GetAddressBytes())]));
            }

            if (settings.Mtu is { } mtu)
            {
                options.Add(new DhcpOption(DhcpOptionCode.InterfaceMtu, [(byte)(mtu >> 8), (byte)mtu]));
            }
        }

        // siaddr stays 0: it names a boot (TFTP) server, which this is not.
        var reply = new DhcpMessage
        {
            Op = DhcpMessage.BootReply,
            HardwareType = request.HardwareType,
            HardwareLength = request.HardwareLength,
            TransactionId = request.TransactionId,
            Flags = request.Flags,
            ClientAddress = inform || type == DhcpMessageType.Ack ? request.ClientAddress : IPAddress.Any,
            YourAddress = yiaddr,
            RelayAddress = request.RelayAddress,
            ClientHardware = request.ClientHardware,
            Options = options,
        };
        return new DhcpReply(reply.Serialize(), Destination(request, sent));
    }

    /// <summary>
    /// RFC 2131 4.1: through a relay to giaddr:67; a NAK broadcast; a client with an address (renewing, INFORM) unicast
    /// to ciaddr:68; otherwise broadcast, whatever the broadcast flag says: unicasting to a client without an address
    /// needs its MAC put in the ARP cache (or a raw socket), which a UDP socket cannot do.
    /// </summary>
    private static IPEndPoint Destination(DhcpMessage request, DhcpMessageType type) =>
        !IsUnset(request.RelayAddress) ? new IPEndPoint(request.RelayAddress, ServerPort)
        : type == DhcpMessageType.Nak || IsUnset(request.ClientAddress) ? Broadcast
        : new IPEndPoint(request.ClientAddress, ClientPort);

    private static byte[] BigEndian(uint value)
    {
        var bytes = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(bytes, value);
        return bytes;
    }

    private static bool IsUnset(IPAddress address) => address.Equals(IPAddress.Any);
}
