using System.Buffers.Binary;
using CocoonNet.Node.Linux.Netlink;

namespace CocoonNet.Tests.Unit;

/// <summary>Wire format of the rtnetlink requests and replies (the kernel side is covered by the namespace tests).</summary>
public sealed class NetlinkMessageTests
{
    [Fact]
    public void Request_has_header_padded_body_and_attributes()
    {
        var builder = new NetlinkMessageBuilder(24, NetlinkFlags.Ack | NetlinkFlags.Create | NetlinkFlags.Replace);
        builder.Append(new byte[] { 2, 32, 0, 0, 254, 204, 253, 1, 0, 0, 0, 0 })
            .Attribute(1, new byte[] { 172, 20, 0, 2 })
            .Attribute(4, 7u);
        var message = builder.Finish(42);

        Assert.Equal(16 + 12 + 8 + 8, message.Length);
        Assert.Equal((uint)message.Length, BinaryPrimitives.ReadUInt32LittleEndian(message));
        Assert.Equal(24, BinaryPrimitives.ReadUInt16LittleEndian(message.AsSpan(4)));
        Assert.Equal(0x1 | 0x4 | 0x400 | 0x100, BinaryPrimitives.ReadUInt16LittleEndian(message.AsSpan(6)));
        Assert.Equal(42u, BinaryPrimitives.ReadUInt32LittleEndian(message.AsSpan(8)));
        var attributes = NetlinkAttributes.Parse(message.AsSpan(28));
        Assert.Equal(new byte[] { 172, 20, 0, 2 }, attributes[1]);
        Assert.Equal(7u, NetlinkAttributes.UInt32(attributes[4]!));
        Assert.Null(attributes[5]);
    }

    [Fact]
    public void Nested_attributes_and_strings_are_null_terminated_and_aligned()
    {
        var builder = new NetlinkMessageBuilder(16, NetlinkFlags.Ack);
        builder.Append(new byte[16]).Attribute(3, "cni0");
        var nest = builder.BeginNested(18);
        builder.Attribute(1, "bridge");
        builder.EndNested(nest);
        var body = builder.Finish(1).AsSpan(32);

        var attributes = NetlinkAttributes.Parse(body);
        Assert.Equal("cni0", NetlinkAttributes.String(attributes[3]!));
        Assert.Equal("bridge", NetlinkAttributes.String(NetlinkAttributes.Parse(attributes[18])[1]!));
        Assert.Equal(0, body.Length % 4);
    }

    [Fact]
    public void Replies_split_into_messages_and_errors_carry_errno()
    {
        var ack = new byte[36];
        BinaryPrimitives.WriteUInt32LittleEndian(ack, 36);
        BinaryPrimitives.WriteUInt16LittleEndian(ack.AsSpan(4), NetlinkMessage.Error);
        BinaryPrimitives.WriteUInt32LittleEndian(ack.AsSpan(8), 9);
        BinaryPrimitives.WriteInt32LittleEndian(ack.AsSpan(16), -17);
        var two = ack.Concat(ack).ToArray();

        var messages = NetlinkMessage.Parse(two);
        Assert.Equal(2, messages.Count);
        Assert.All(messages, m => Assert.Equal(Errno.Exists, m.ErrorCode));
        Assert.Equal(9u, messages[0].Sequence);
    }
}
