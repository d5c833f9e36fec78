using System.Buffers.Binary;
using System.Text;

namespace CocoonNet.Node.Linux.Netlink;

/// <summary>Builds one netlink request: header, fixed family header, then attributes.</summary>
internal sealed class NetlinkMessageBuilder
{
    private readonly List<byte> _body = new(64);
    private readonly ushort _type;
    private readonly NetlinkFlags _flags;

    public NetlinkMessageBuilder(ushort type, NetlinkFlags flags)
    {
        _type = type;
        _flags = flags;
    }

    /// <summary>What the message is about, for error messages (e.g. "route 10.0.0.2/32 dev cni0").</summary>
    public string Subject { get; init; } = "";

    public int Length => 16 + _body.Count;

    public ushort Type => _type;

    public NetlinkMessageBuilder Append(ReadOnlySpan<byte> bytes)
    {
        foreach (var b in bytes)
        {
            _body.Add(b);
        }

        Pad();
        return this;
    }

    public NetlinkMessageBuilder Attribute(ushort type, ReadOnlySpan<byte> value)
    {
        Span<byte> header = stackalloc byte[4];
        BinaryPrimitives.WriteUInt16LittleEndian(header, (ushort)(4 + value.Length));
        BinaryPrimitives.WriteUInt16LittleEndian(header[2..], type);
        Append(header);
        foreach (var b in value)
        {
            _body.Add(b);
        }

        Pad();
        return this;
    }

    public NetlinkMessageBuilder Attribute(ushort type, uint value)
    {
        Span<byte> bytes = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(bytes, value);
        return Attribute(type, bytes);
    }

    public NetlinkMessageBuilder Attribute(ushort type, string value) =>
        Attribute(type, Encoding.ASCII.GetBytes(value + "\0"));

    /// <summary>Starts a nested attribute; returns the position to pass to <see cref="EndNested"/>.</summary>
    public int BeginNested(ushort type)
    {
        var position = _body.Count;
        Span<byte> header = stackalloc byte[4];
        BinaryPrimitives.WriteUInt16LittleEndian(header[2..], type);
        Append(header);
        return position;
    }

    public void EndNested(int position)
    {
        var length = (ushort)(_body.Count - position);
        _body[position] = (byte)length;
        _body[position + 1] = (byte)(length >> 8);
    }

    public byte[] Finish(uint sequence)
    {
        var message = new byte[Length];
        BinaryPrimitives.WriteUInt32LittleEndian(message, (uint)message.Length);
        BinaryPrimitives.WriteUInt16LittleEndian(message.AsSpan(4), _type);
        BinaryPrimitives.WriteUInt16LittleEndian(message.AsSpan(6), (ushort)(_flags | NetlinkFlags.Request));
        BinaryPrimitives.WriteUInt32LittleEndian(message.AsSpan(8), sequence);
        _body.CopyTo(message, 16);
        return message;
    }

    private void Pad()
    {
        while (_body.Count % 4 != 0)
        {
            _body.Add(0);
        }
    }
}

/// <summary>Reads the attributes (rtattr) that follow a fixed header.</summary>
internal static class NetlinkAttributes
{
    /// <summary>Attributes by type (types above 63 are not needed and dropped); absent ones are null.</summary>
    public static byte[]?[] Parse(ReadOnlySpan<byte> data)
    {
        var attributes = new byte[]?[64];
        foreach (var (type, value) in List(data))
        {
            if (type < attributes.Length)
            {
                attributes[type] = value;
            }
        }

        return attributes;
    }

    /// <summary>Every attribute in order, repeats included (nested lists such as nftables expressions).</summary>
    public static List<(int Type, byte[] Value)> List(ReadOnlySpan<byte> data)
    {
        var attributes = new List<(int, byte[])>();
        var offset = 0;
        while (offset + 4 <= data.Length)
        {
            var length = BinaryPrimitives.ReadUInt16LittleEndian(data[offset..]);
            var type = BinaryPrimitives.ReadUInt16LittleEndian(data[(offset + 2)..]) & 0x3fff;
            if (length < 4 || offset + length > data.Length)
            {
                break;
            }

            attributes.Add((type, data.Slice(offset + 4, length - 4).ToArray()));
            offset += NetlinkMessage.Align(length);
        }

        return attributes;
    }

    public static string String(byte[] value) => Encoding.ASCII.GetString(value).TrimEnd('\0');

    public static uint UInt32(byte[] value) => BinaryPrimitives.ReadUInt32LittleEndian(value);
}
