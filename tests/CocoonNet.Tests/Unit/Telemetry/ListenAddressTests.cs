using System.Net;
using CocoonNet.Host.Agent.Telemetry;

namespace CocoonNet.Tests.Unit.Telemetry;

/// <summary><c>--listen HOST:PORT</c>: an IPv4 address, 0.0.0.0 or [::]; anything else one line saying what to write.</summary>
public sealed class ListenAddressTests
{
    [Theory]
    [InlineData("127.0.0.1:9092", "127.0.0.1", 9092, "http://127.0.0.1:9092/")]
    [InlineData("10.0.0.5:1", "10.0.0.5", 1, "http://10.0.0.5:1/")]
    [InlineData("0.0.0.0:9092", "0.0.0.0", 9092, "http://+:9092/")]
    [InlineData("[::]:65535", "::", 65535, "http://+:65535/")]
    [InlineData(" 127.0.0.1:9092 ", "127.0.0.1", 9092, "http://127.0.0.1:9092/")]
    [InlineData(":9092", "0.0.0.0", 9092, "http://+:9092/")] // upstream's default: Go's empty host, every address
    [InlineData("localhost:9100", "127.0.0.1", 9100, "http://127.0.0.1:9100/")]
    public void Accepts(string text, string ip, int port, string prefix)
    {
        Assert.True(ListenAddress.TryParse(text, out var address, out var error), error);
        Assert.Equal(IPAddress.Parse(ip), address.Address);
        Assert.Equal(port, address.Port);
        Assert.Equal(prefix, address.Prefix);
    }

    [Fact]
    public void The_default_parses_and_prints_back_the_same()
    {
        Assert.True(ListenAddress.TryParse(ListenAddress.Default, out var address, out _));
        Assert.Equal(ListenAddress.Default, address.ToString());
        Assert.True(ListenAddress.TryParse("[::]:9092", out var any, out _));
        Assert.Equal("[::]:9092", any.ToString());
    }

    [Theory]
    [InlineData("", "expected HOST:PORT")]
    [InlineData("9092", "expected HOST:PORT")]
    [InlineData("127.0.0.1", "expected HOST:PORT")]
    [InlineData(":", "expected HOST:PORT")]
    [InlineData("127.0.0.1:", "expected HOST:PORT")]
    [InlineData("127.0.0.1:0", "the port '0' is not a number from 1 to 65535")]
    [InlineData("127.0.0.1:65536", "the port '65536' is not a number from 1 to 65535")]
    [InlineData("127.0.0.1:+80", "the port '+80' is not a number from 1 to 65535")]
    [InlineData("127.0.0.1:http", "the port 'http' is not a number from 1 to 65535")]
    [InlineData("node-a:9092", "'node-a' is not an IPv4 address (of names only localhost is accepted)")]
    [InlineData("127.1:9092", "'127.1' is not an IPv4 address (of names only localhost is accepted)")]
    [InlineData("300.0.0.1:9092", "'300.0.0.1' is not an IPv4 address (of names only localhost is accepted)")]
    [InlineData("[::1]:9092", "of IPv6 addresses only [::] (every address) is accepted")]
    [InlineData("::1:9092", "of IPv6 addresses only [::] (every address) is accepted")]
    public void Refuses_with_one_line_saying_what_to_write(string text, string why)
    {
        Assert.False(ListenAddress.TryParse(text, out var address, out var error));
        Assert.Null(address);
        Assert.Equal($"--listen '{text.Trim()}': {why}; write e.g. 127.0.0.1:9092, 0.0.0.0:9092 or [::]:9092", error);
        Assert.DoesNotContain('\n', error);
    }
}
