using System.Net;
using CocoonNet.Node.Dhcp.Embedded;
using static CocoonNet.Tests.Unit.Dhcp.DhcpServerHarness;

namespace CocoonNet.Tests.Unit.Dhcp;

public sealed class DhcpMessageTests
{
    private static readonly DhcpPacket Discover = DhcpPacket.Of(DhcpMessageType.Discover, Mac(1));

    /// <summary>Every malformed datagram the parser must drop, by name, with the reason it gives.</summary>
    public static TheoryData<string, string> Malformed => new()
    {
        { "short", "239 bytes" },
        { "long", "1501 bytes" },
        { "bootreply", "op 2 is not BOOTREQUEST" },
        { "op zero", "op 0 is not BOOTREQUEST" },
        { "token ring", "hardware type 6 length 6 is not Ethernet" },
        { "eui64", "hardware type 1 length 8 is not Ethernet" },
        { "no cookie", "no DHCP magic cookie" },
        { "option past end", "option 12 runs past the end of the message" },
        { "length byte missing", "option 12 runs past the end of the message" },
        { "no end", "no END option" },
        { "overload", "option overload (52) is not supported" },
        { "no type", "no message type (option 53)" },
        { "empty type", "bad message type (option 53: )" },
        { "type zero", "bad message type (option 53: 00)" },
        { "type nine", "bad message type (option 53: 09)" },
        { "type two bytes", "bad message type (option 53: 0101)" },
        { "type repeated", "bad message type (option 53: 0103)" },
        { "short requested address", "option 50 is 3 bytes, not an IPv4 address" },
        { "long server id", "option 54 is 5 bytes, not an IPv4 address" },
    };

    private static byte[] Bytes(string name) => name switch
    {
        "short" => Discover.Build()[..239],
        "long" => [.. Discover.Build(), .. new byte[1501 - Discover.Build().Length]],
        "bootreply" => (Discover with { Op = 2 }).Build(),
        "op zero" => (Discover with { Op = 0 }).Build(),
        "token ring" => (Discover with { HardwareType = 6 }).Build(),
        "eui64" => (Discover with { HardwareLength = 8 }).Build(),
        "no cookie" => (Discover with { Cookie = [99, 130, 83, 98] }).Build(),
        "option past end" => (Discover with { Trailer = [12, 10, (byte)'v', (byte)'m'] }).Build(),
        "length byte missing" => (Discover with { Trailer = [12] }).Build(),
        "no end" => (Discover with { Trailer = [0, 0, 0] }).Build(),
        "overload" => Discover.With(52, [3]).Build(),
        "no type" => (Discover with { Options = [(55, [1, 3])] }).Build(),
        "empty type" => (Discover with { Options = [(53, [])] }).Build(),
        "type zero" => (Discover with { Options = [(53, [0])] }).Build(),
        "type nine" => (Discover with { Options = [(53, [9])] }).Build(),
        "type two bytes" => (Discover with { Options = [(53, [1, 1])] }).Build(),
        "type repeated" => Discover.With(53, [3]).Build(),
        "short requested address" => Discover.With(50, [10, 0, 0]).Build(),
        "long server id" => Discover.With(54, [10, 0, 0, 1, 0]).Build(),
        _ => throw new ArgumentException(name),
    };

    [Theory]
    [MemberData(nameof(Malformed))]
    public void A_malformed_datagram_is_refused_with_its_reason(string name, string reason)
    {
        Assert.Null(DhcpMessage.TryParse(Bytes(name), out var why));
        Assert.StartsWith(reason, why, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Malformed))]
    public async Task A_malformed_datagram_gets_no_reply_and_changes_nothing(string name, string reason)
    {
        using var h = new DhcpServerHarness();

        Assert.Null(await h.SendAsync(Bytes(name)));

        Assert.Empty(h.Core.Leases());
        Assert.Equal(5, h.Core.Available);
        Assert.Empty(h.Recorder.Calls);
        Assert.Contains(h.Logger.Lines, l => l.Message.Contains(reason, StringComparison.Ordinal));
        Assert.Equal(Ip(10), (await h.DiscoverAsync(Mac(1)))!.Yiaddr); // no offer was held for it
    }

    [Fact]
    public void Random_bytes_never_throw()
    {
        var random = new Random(20);
        var good = Discover.Build();
        for (var i = 0; i < 20_000; i++)
        {
            var bytes = (byte[])good.Clone();
            for (var n = random.Next(1, 8); n > 0; n--)
            {
                bytes[random.Next(236, bytes.Length)] = (byte)random.Next(256);
            }

            _ = DhcpMessage.TryParse(bytes.AsSpan(0, random.Next(230, bytes.Length + 1)), out _);
        }
    }

    [Fact]
    public void A_good_discover_is_read_field_by_field()
    {
        var packet = DhcpPacket.Of(DhcpMessageType.Request, "52:54:00:ab:cd:ef", Ip(12), Server, Ip(12)) with
        {
            Xid = 0xdeadbeef,
            Flags = 0x8000,
            Giaddr = IPAddress.Parse("10.9.0.1"),
        };

        var message = DhcpMessage.TryParse(packet.Build(), out var reason);

        Assert.Equal("", reason);
        Assert.NotNull(message);
        Assert.Equal(DhcpMessageType.Request, message.Type);
        Assert.Equal(0xdeadbeefu, message.TransactionId);
        Assert.Equal(0x8000, message.Flags);
        Assert.Equal(Ip(12), message.ClientAddress);
        Assert.Equal(IPAddress.Parse("10.9.0.1"), message.RelayAddress);
        Assert.Equal(Convert.FromHexString("525400abcdef"), message.ClientHardware[..6]);
        Assert.Equal(Ip(12), message.AddressOption(DhcpOptionCode.RequestedAddress));
        Assert.Equal(Server, message.AddressOption(DhcpOptionCode.ServerIdentifier));
    }

    [Fact]
    public void Pad_before_options_and_after_end_is_fine()
    {
        var packet = Discover with { Options = [(0, []), .. Discover.Options], Trailer = [255, 0, 0, 0, 7, 7] };
        var bytes = packet.Build();
        bytes[240] = 0; // a lone pad byte (the builder wrote "0, 0")
        Assert.NotNull(DhcpMessage.TryParse(bytes, out _));
    }

    [Fact]
    public void A_repeated_option_is_joined_as_RFC_3396_says()
    {
        var message = DhcpMessage.TryParse(Discover.With(55, [15, 28]).Build(), out _);
        Assert.Equal(new byte[] { 1, 3, 6, 51, 54, 15, 28 }, message!.Option(DhcpOptionCode.ParameterRequestList));
    }

    [Fact]
    public void A_value_over_255_bytes_is_written_as_repeated_options()
    {
        var reply = new DhcpMessage { Op = DhcpMessage.BootReply, Options = [new DhcpOption(6, new byte[300])] };
        var bytes = reply.Serialize();

        Assert.Equal(new byte[] { 6, 255 }, bytes[240..242]);
        Assert.Equal(new byte[] { 6, 45 }, bytes[497..499]);
        Assert.Equal(255, bytes[544]);
    }
}
