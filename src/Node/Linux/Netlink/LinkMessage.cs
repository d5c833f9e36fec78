using System.Buffers.Binary;
using System.Globalization;

namespace CocoonNet.Node.Linux.Netlink;

/// <summary>
/// Decodes one RTM_NEWLINK/RTM_DELLINK message (a dump's answer or a notification), in either family: AF_UNSPEC
/// (the link itself; a bridge port's flags under IFLA_LINKINFO's slave data) and AF_BRIDGE (what the bridge says
/// about its port; the flags under IFLA_PROTINFO). The one reader of both, for the link dump and the agent's
/// port watcher.
/// </summary>
internal static class LinkMessage
{
    public const ushort NewLink = 16;
    public const ushort DelLink = 17;
    public const byte AfBridge = 7;

    public const ushort IflaAddress = 1;
    public const ushort IflaIfname = 3;
    public const ushort IflaMtu = 4;
    public const ushort IflaMaster = 10;
    public const ushort IflaProtinfo = 12;
    public const ushort IflaLinkinfo = 18;
    public const ushort IflaInfoKind = 1;
    public const ushort IflaInfoSlaveKind = 4;
    public const ushort IflaInfoSlaveData = 5;

    /// <summary>IFLA_BRPORT_ISOLATED (u8): the port forwards only to ports that are not isolated (BR_ISOLATED).</summary>
    public const ushort IflaBrportIsolated = 33;

    /// <summary>NLA_F_NESTED: the kernel's bridge reads IFLA_PROTINFO as port attributes only when it is set.</summary>
    public const ushort NestedFlag = 0x8000;

    private const uint IffUp = 1;

    /// <summary>The link a message describes; null when it is too short to be a link message.</summary>
    public static LinkInfo? Decode(byte[] payload)
    {
        if (payload.Length < 16)
        {
            return null;
        }

        var family = payload[0];
        var index = BinaryPrimitives.ReadInt32LittleEndian(payload.AsSpan(4));
        var flags = BinaryPrimitives.ReadUInt32LittleEndian(payload.AsSpan(8));
        var attributes = NetlinkAttributes.Parse(payload.AsSpan(16));
        var name = attributes[IflaIfname] is { } n ? NetlinkAttributes.String(n) : $"if{index}";
        var mac = attributes[IflaAddress] is { Length: 6 } a
            ? string.Join(':', a.Select(b => b.ToString("x2", CultureInfo.InvariantCulture)))
            : "";
        var master = attributes[IflaMaster] is { Length: 4 } m ? (int)NetlinkAttributes.UInt32(m) : 0;
        var mtu = attributes[IflaMtu] is { Length: 4 } u ? (int)NetlinkAttributes.UInt32(u) : 0;
        var kind = "";
        bool? isolated = null;
        if (attributes[IflaLinkinfo] is { } info)
        {
            var linkinfo = NetlinkAttributes.Parse(info);
            if (linkinfo[IflaInfoKind] is { } k)
            {
                kind = NetlinkAttributes.String(k);
            }

            if (linkinfo[IflaInfoSlaveKind] is { } sk && NetlinkAttributes.String(sk) == "bridge"
                && linkinfo[IflaInfoSlaveData] is { } slave)
            {
                isolated = Flag(NetlinkAttributes.Parse(slave)[IflaBrportIsolated]);
            }
        }

        if (family == AfBridge && attributes[IflaProtinfo] is { } protinfo)
        {
            isolated = Flag(NetlinkAttributes.Parse(protinfo)[IflaBrportIsolated]) ?? isolated;
        }

        return new LinkInfo(name, index, mac, (flags & IffUp) != 0, kind, master) { Mtu = mtu, Isolated = isolated };
    }

    private static bool? Flag(byte[]? value) => value is { Length: > 0 } v ? v[0] != 0 : null;
}
