using System.Buffers.Binary;
using System.Net;
using CocoonNet.Node.Linux.Netlink;

namespace CocoonNet.Host.Agent.Drift;

/// <summary>One rtnetlink notification, decoded only as far as drift detection needs.</summary>
internal abstract record KernelEvent(bool Deleted);

/// <summary>
/// A link changed or was deleted. <c>Registered</c> marks the notification of a link just created
/// (<c>ifi_change</c> = ~0): its first state, not a change.
/// </summary>
internal sealed record LinkEvent(bool Deleted, int Index, string Name, bool IsUp, bool Registered) : KernelEvent(Deleted);

internal sealed record AddressEvent(bool Deleted, int Index, IPAddress Address, int PrefixLength) : KernelEvent(Deleted);

internal sealed record RouteEvent(bool Deleted, byte Table, IPAddress Destination, int PrefixLength, int OutputIndex, byte Protocol, byte Type)
    : KernelEvent(Deleted);

/// <summary>Decodes RTM_NEWLINK/DELLINK, RTM_NEWADDR/DELADDR and RTM_NEWROUTE/DELROUTE (IPv4) from a datagram.</summary>
internal static class KernelEventDecoder
{
    public const ushort NewLink = 16;
    public const ushort DelLink = 17;
    public const ushort NewAddress = 20;
    public const ushort DelAddress = 21;
    public const ushort NewRoute = 24;
    public const ushort DelRoute = 25;

    private const byte AfInet = 2;
    private const uint IffUp = 1;
    private const ushort IflaIfname = 3;
    private const ushort IfaAddress = 1;
    private const ushort IfaLocal = 2;
    private const ushort RtaDst = 1;
    private const ushort RtaOif = 4;
    private const ushort RtaTable = 15;

    public static List<KernelEvent> Decode(ReadOnlySpan<byte> datagram)
    {
        var events = new List<KernelEvent>();
        foreach (var message in NetlinkMessage.Parse(datagram))
        {
            if (Decode(message) is { } e)
            {
                events.Add(e);
            }
        }

        return events;
    }

    public static KernelEvent? Decode(NetlinkMessage message)
    {
        var p = message.Payload;
        switch (message.Type)
        {
            case NewLink or DelLink when p.Length >= 16:
                {
                    var index = BinaryPrimitives.ReadInt32LittleEndian(p.AsSpan(4));
                    var flags = BinaryPrimitives.ReadUInt32LittleEndian(p.AsSpan(8));
                    var change = BinaryPrimitives.ReadUInt32LittleEndian(p.AsSpan(12));
                    var attributes = NetlinkAttributes.Parse(p.AsSpan(16));
                    var name = attributes[IflaIfname] is { } n ? NetlinkAttributes.String(n) : $"if{index}";
                    return new LinkEvent(message.Type == DelLink, index, name, (flags & IffUp) != 0, change == uint.MaxValue);
                }

            case NewAddress or DelAddress when p.Length >= 8 && p[0] == AfInet:
                {
                    var index = BinaryPrimitives.ReadInt32LittleEndian(p.AsSpan(4));
                    var attributes = NetlinkAttributes.Parse(p.AsSpan(8));
                    return (attributes[IfaLocal] ?? attributes[IfaAddress]) is { Length: 4 } local
                        ? new AddressEvent(message.Type == DelAddress, index, new IPAddress(local), p[1])
                        : null;
                }

            case NewRoute or DelRoute when p.Length >= 12 && p[0] == AfInet:
                {
                    var attributes = NetlinkAttributes.Parse(p.AsSpan(12));
                    // RTA_TABLE is 32 bits: a table above 255 is neither main nor local (0, "unspecified", stands for it).
                    var wide = attributes[RtaTable] is { Length: 4 } t ? NetlinkAttributes.UInt32(t) : p[4];
                    var table = wide > byte.MaxValue ? (byte)0 : (byte)wide;
                    var destination = attributes[RtaDst] is { Length: 4 } d ? new IPAddress(d) : IPAddress.Any;
                    var oif = attributes[RtaOif] is { Length: 4 } o ? (int)NetlinkAttributes.UInt32(o) : 0;
                    return new RouteEvent(message.Type == DelRoute, table, destination, p[1], oif, p[5], p[7]);
                }

            default:
                return null;
        }
    }
}
