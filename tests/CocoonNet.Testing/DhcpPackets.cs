using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace CocoonNet.Tests.Support;

/// <summary>
/// Hand-made DHCPv4 datagrams sent from a VM namespace (UDP 68, bound to its eth0): well-formed ones, for a
/// control exchange proving the packets reach the server, and the malformed kinds a server must drop.
/// </summary>
internal static class DhcpPackets
{
    public const byte Discover = 1;
    public const byte Offer = 2;
    public const byte Request = 3;
    public const byte Ack = 5;

    private const int SolSocket = 1;
    private const int SoBindToDevice = 25;
    private static readonly byte[] Cookie = [99, 130, 83, 99];

    /// <summary>The BOOTP header (236 bytes) of a BOOTREQUEST from <paramref name="mac"/>, broadcast flag set.</summary>
    public static byte[] Header(string mac, uint xid, byte op = 1, byte hlen = 6)
    {
        var packet = new byte[236];
        packet[0] = op;
        packet[1] = 1;
        packet[2] = hlen;
        BinaryPrimitives.WriteUInt32BigEndian(packet.AsSpan(4), xid);
        packet[10] = 0x80;
        Convert.FromHexString(mac.Replace(":", "", StringComparison.Ordinal)).CopyTo(packet, 28);
        return packet;
    }

    /// <summary>A well-formed message: header, cookie, option 53, then <paramref name="options"/> (code, value) and END.</summary>
    public static byte[] Message(string mac, uint xid, byte type, params (byte Code, byte[] Value)[] options)
    {
        var bytes = new List<byte>(Header(mac, xid));
        bytes.AddRange(Cookie);
        bytes.AddRange([53, 1, type]);
        foreach (var (code, value) in options)
        {
            bytes.Add(code);
            bytes.Add((byte)value.Length);
            bytes.AddRange(value);
        }

        bytes.Add(255);
        return [.. bytes];
    }

    /// <summary>
    /// The malformed kinds, each from its own MAC (<paramref name="macOf"/>(i)), each a REQUEST for
    /// <paramref name="wanted"/> that a parser reading past its bounds or ignoring a bad field would ACK.
    /// </summary>
    public static IReadOnlyList<(string Name, string Mac, byte[] Packet)> Malformed(Func<int, string> macOf, IPAddress wanted)
    {
        var ip = wanted.GetAddressBytes();
        var cases = new List<(string, string, byte[])>();
        void Add(string name, Func<string, byte[]> make)
        {
            var mac = macOf(cases.Count);
            cases.Add((name, mac, make(mac)));
        }

        Add("empty", _ => []);
        Add("one byte", _ => [1]);
        Add("truncated header", mac => Message(mac, 0x1001, Request, (50, ip))[..200]);
        Add("header without a cookie", mac => Header(mac, 0x1002));
        Add("truncated in an option", mac => Message(mac, 0x1003, Request, (50, ip))[..(240 + 3 + 4)]);
        Add("bad magic cookie", mac =>
        {
            var p = Message(mac, 0x1004, Request, (50, ip));
            p[236] = 0xde;
            p[237] = 0xad;
            return p;
        });
        Add("option length past the end", mac => [.. Header(mac, 0x1005), .. Cookie, 53, 1, Request, 50, 4, .. ip, 12, 200, (byte)'v', (byte)'m']);
        Add("message type of length 2", mac => [.. Header(mac, 0x1006), .. Cookie, 53, 2, Request, 0, 50, 4, .. ip, 255]);
        Add("requested address of length 3", mac => [.. Header(mac, 0x1007), .. Cookie, 53, 1, Request, 50, 3, ip[0], ip[1], ip[2], 255]);
        Add("no end option", mac => [.. Header(mac, 0x1008), .. Cookie, 53, 1, Request, 50, 4, .. ip]);
        Add("overload into a file field that runs past its end", mac =>
        {
            var header = Header(mac, 0x1009);
            // file (108..235): the message type, then an option claiming more than the field holds.
            byte[] file = [53, 1, Request, 50, 4, .. ip, 12, 250, (byte)'x'];
            file.CopyTo(header, 108);
            return [.. header, .. Cookie, 52, 1, 1, 255];
        });
        Add("overload of length 0", mac => [.. Header(mac, 0x100a), .. Cookie, 53, 1, Request, 50, 4, .. ip, 52, 0, 255]);
        Add("hardware address of 17 bytes", mac => [.. Header(mac, 0x100b, hlen: 17), .. Cookie, 53, 1, Request, 50, 4, .. ip, 255]);
        Add("BOOTREPLY from a client", mac => [.. Header(mac, 0x100c, op: 2), .. Cookie, 53, 1, Request, 50, 4, .. ip, 255]);
        Add("oversized datagram", mac =>
        {
            var p = Message(mac, 0x100d, Request, (50, ip));
            return [.. p[..^1], .. Enumerable.Repeat((byte)0, 60_000), 255];
        });
        return cases;
    }

    /// <summary>Sends each datagram to <paramref name="server"/>:67 and to the limited broadcast, from the VM's eth0.</summary>
    public static void Send(string vm, IPAddress server, IEnumerable<byte[]> packets) => NetworkNamespace.Run(vm, () =>
    {
        using var socket = ClientSocket();
        foreach (var packet in packets)
        {
            foreach (var to in new[] { server, IPAddress.Broadcast })
            {
                try
                {
                    socket.SendTo(packet, new IPEndPoint(to, 67));
                }
                catch (SocketException e) when (e.SocketErrorCode == SocketError.MessageSize)
                {
                    // Larger than the link takes: sent as IP fragments where the kernel allows, else not at all.
                }
            }
        }

        return 0;
    });

    /// <summary>
    /// A DISCOVER..ACK exchange by hand from <paramref name="mac"/> (broadcast flag set), each message sent again every
    /// 500 ms as a client would: the acknowledged address, or null when no OFFER or no ACK came within
    /// <paramref name="timeout"/>.
    /// </summary>
    public static IPAddress? Exchange(string vm, string mac, TimeSpan timeout) => NetworkNamespace.Run(vm, () =>
    {
        using var socket = ClientSocket();
        var xid = (uint)Random.Shared.Next();
        var deadline = DateTime.UtcNow + timeout;
        if (Ask(socket, Message(mac, xid, Discover), xid, Offer, deadline) is not { } offer)
        {
            return null;
        }

        var request = Message(mac, xid, Request, (50, offer.Address.GetAddressBytes()), (54, offer.Server.GetAddressBytes()));
        return Ask(socket, request, xid, Ack, deadline)?.Address;
    });

    private static (IPAddress Address, IPAddress Server)? Ask(Socket socket, byte[] message, uint xid, byte answer, DateTime deadline)
    {
        while (DateTime.UtcNow < deadline)
        {
            socket.SendTo(message, new IPEndPoint(IPAddress.Broadcast, 67));
            var wait = TimeSpan.FromTicks(Math.Min(TimeSpan.FromMilliseconds(500).Ticks, (deadline - DateTime.UtcNow).Ticks));
            if (wait > TimeSpan.Zero && Receive(socket, xid, answer, wait) is { } reply)
            {
                return reply;
            }
        }

        return null;
    }

    private static Socket ClientSocket()
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        socket.SetRawSocketOption(SolSocket, SoBindToDevice, Encoding.ASCII.GetBytes("eth0\0"));
        socket.EnableBroadcast = true;
        socket.Bind(new IPEndPoint(IPAddress.Any, 68));
        return socket;
    }

    private static (IPAddress Address, IPAddress Server)? Receive(Socket socket, uint xid, byte type, TimeSpan timeout)
    {
        var buffer = new byte[1500];
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            if (!socket.Poll((int)Math.Max(1, (deadline - DateTime.UtcNow).TotalMicroseconds), SelectMode.SelectRead))
            {
                break;
            }

            var length = socket.Receive(buffer);
            if (length < 240 || buffer[0] != 2 || BinaryPrimitives.ReadUInt32BigEndian(buffer.AsSpan(4)) != xid)
            {
                continue;
            }

            var options = Options(buffer.AsSpan(240, length - 240));
            if (options.TryGetValue(53, out var kind) && kind is [var k] && k == type)
            {
                var server = options.TryGetValue(54, out var id) && id.Length == 4 ? new IPAddress(id) : IPAddress.Any;
                return (new IPAddress(buffer.AsSpan(16, 4)), server);
            }
        }

        return null;
    }

    private static Dictionary<byte, byte[]> Options(ReadOnlySpan<byte> bytes)
    {
        var options = new Dictionary<byte, byte[]>();
        for (var i = 0; i < bytes.Length && bytes[i] != 255;)
        {
            if (bytes[i] == 0)
            {
                i++;
                continue;
            }

            if (i + 1 >= bytes.Length || i + 2 + bytes[i + 1] > bytes.Length)
            {
                break;
            }

            options[bytes[i]] = bytes.Slice(i + 2, bytes[i + 1]).ToArray();
            i += 2 + bytes[i + 1];
        }

        return options;
    }
}
