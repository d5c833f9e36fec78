using System.Buffers.Binary;
using CocoonNet.Node.Linux.Netlink;

namespace CocoonNet.Tests.Unit.Ports;

/// <summary>The link message's MTU and bridge-port isolated flag, read in both families and written as iproute2 does.</summary>
public sealed class LinkMessageTests
{
    [Fact]
    public void A_port_in_the_link_dump_carries_its_mtu_master_and_isolated_flag_under_the_slave_data()
    {
        var message = new NetlinkMessageBuilder(LinkMessage.NewLink, 0).Append(Header(family: 0, index: 12, flags: 1))
            .Attribute(LinkMessage.IflaIfname, "veth1")
            .Attribute(LinkMessage.IflaMtu, 1460u)
            .Attribute(LinkMessage.IflaMaster, 7u);
        var info = message.BeginNested(LinkMessage.IflaLinkinfo);
        message.Attribute(LinkMessage.IflaInfoKind, "veth");
        message.Attribute(LinkMessage.IflaInfoSlaveKind, "bridge");
        var slave = message.BeginNested(LinkMessage.IflaInfoSlaveData);
        message.Attribute(LinkMessage.IflaBrportIsolated, [1]);
        message.EndNested(slave);
        message.EndNested(info);

        var link = LinkMessage.Decode(Payload(message))!;
        Assert.Equal(("veth1", 12, true, "veth", 7, 1460, (bool?)true), (link.Name, link.Index, link.IsUp, link.Kind, link.MasterIndex, link.Mtu, link.Isolated));
    }

    [Fact]
    public void A_bridge_family_notification_carries_the_flag_under_protinfo()
    {
        var message = new NetlinkMessageBuilder(LinkMessage.NewLink, 0).Append(Header(family: LinkMessage.AfBridge, index: 12, flags: 0))
            .Attribute(LinkMessage.IflaIfname, "veth1")
            .Attribute(LinkMessage.IflaMaster, 7u);
        var protinfo = message.BeginNested(LinkMessage.IflaProtinfo | LinkMessage.NestedFlag);
        message.Attribute(LinkMessage.IflaBrportIsolated, [0]);
        message.EndNested(protinfo);

        var link = LinkMessage.Decode(Payload(message))!;
        Assert.Equal(7, link.MasterIndex);
        Assert.False(link.Isolated);
    }

    [Fact]
    public void A_link_that_is_no_bridge_port_says_nothing_about_isolation()
    {
        var message = new NetlinkMessageBuilder(LinkMessage.NewLink, 0).Append(Header(family: 0, index: 2, flags: 1))
            .Attribute(LinkMessage.IflaIfname, "ens4").Attribute(LinkMessage.IflaMtu, 1500u);
        var link = LinkMessage.Decode(Payload(message))!;
        Assert.Null(link.Isolated);
        Assert.Equal(1500, link.Mtu);
        Assert.Null(LinkMessage.Decode(new byte[8]));
    }

    [Fact]
    public void Isolating_a_port_is_what_bridge_link_set_isolated_on_sends()
    {
        var bytes = NetlinkKernelNetwork.PortIsolationMessage(12, isolated: true).Finish(1);
        Assert.Equal(19, BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(4))); // RTM_SETLINK
        Assert.Equal(LinkMessage.AfBridge, bytes[16]);
        Assert.Equal(12, BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(20)));
        // IFLA_PROTINFO | NLA_F_NESTED (12 bytes: header + IFLA_BRPORT_ISOLATED u8 padded), then the flag itself.
        Assert.Equal([12, 0, 12, 0x80, 5, 0, 33, 0, 1, 0, 0, 0], bytes[32..]);
        Assert.Equal(0, NetlinkKernelNetwork.PortIsolationMessage(12, isolated: false).Finish(1)[40]);
    }

    private static byte[] Header(byte family, int index, uint flags)
    {
        var header = new byte[16];
        header[0] = family;
        BinaryPrimitives.WriteInt32LittleEndian(header.AsSpan(4), index);
        BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(8), flags);
        return header;
    }

    private static byte[] Payload(NetlinkMessageBuilder message) => message.Finish(1)[16..];
}
