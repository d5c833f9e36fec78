using System.Net;
using CocoonNet.Abstractions;
using CocoonNet.Node.Net;

namespace CocoonNet.Tests.Unit;

/// <summary>Upstream's acceptance cases (section 14.2) and more.</summary>
public sealed class Ipv4Tests
{
    private static IReadOnlyList<string> Pool(string cidr, string gateway, int count) =>
        new AddressPool(IPNetwork.Parse(cidr), IPAddress.Parse(gateway)).First(count).Select(a => a.ToString()).ToList();

    [Fact]
    public void Pool_starts_after_the_gateway() =>
        Assert.Equal(Enumerable.Range(2, 8).Select(i => $"10.0.0.{i}"), Pool("10.0.0.0/24", "10.0.0.1", 8));

    [Fact]
    public void Pool_of_a_24_holds_253_addresses_without_network_gateway_or_broadcast()
    {
        var pool = Pool("10.0.0.0/24", "10.0.0.1", 300);
        Assert.Equal(253, pool.Count);
        Assert.DoesNotContain("10.0.0.0", pool);
        Assert.DoesNotContain("10.0.0.1", pool);
        Assert.DoesNotContain("10.0.0.255", pool);
    }

    [Fact]
    public void Pool_of_a_28_stops_before_broadcast() =>
        Assert.Equal(Enumerable.Range(2, 13).Select(i => $"192.168.10.{i}"), Pool("192.168.10.0/28", "192.168.10.1", 32));

    [Fact]
    public void Pool_skips_a_gateway_in_the_middle()
    {
        var pool = Pool("10.0.0.0/29", "10.0.0.4", 10);
        Assert.Equal(["10.0.0.1", "10.0.0.2", "10.0.0.3", "10.0.0.5", "10.0.0.6"], pool);
    }

    [Fact]
    public void Pool_of_zero_is_empty() => Assert.Empty(Pool("10.0.0.0/24", "10.0.0.1", 0));

    [Fact]
    public void Negative_pool_size_is_rejected() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => Pool("10.0.0.0/24", "10.0.0.1", -1));

    [Theory]
    [InlineData("10.0.0.0/24", "10.0.0.1")]
    [InlineData("192.168.0.0/16", "192.168.0.1")]
    [InlineData("172.20.100.0/22", "172.20.100.1")]
    public void First_host_is_network_plus_one(string cidr, string expected) =>
        Assert.Equal(expected, Ipv4.FirstHost(IPNetwork.Parse(cidr)).ToString());

    [Theory]
    [InlineData("10.0.0.0/16", "10.0.0.0/24", true)]
    [InlineData("10.0.0.0/16", "10.0.0.0/16", true)]
    [InlineData("10.0.0.0/24", "10.0.0.0/16", false)]
    [InlineData("10.0.0.0/24", "10.1.0.0/24", false)]
    public void Containment(string outer, string inner, bool expected) =>
        Assert.Equal(expected, Ipv4.Contains(IPNetwork.Parse(outer), IPNetwork.Parse(inner)));

    [Theory]
    [InlineData("0.0.0.0", 0u)]
    [InlineData("127.0.0.1", 0x7F000001u)]
    [InlineData("255.255.255.255", 0xFFFFFFFFu)]
    [InlineData("10.0.0.1", 0x0A000001u)]
    public void Conversion_to_uint(string address, uint expected)
    {
        Assert.Equal(expected, Ipv4.ToUInt32(IPAddress.Parse(address)));
        Assert.Equal(address, Ipv4.FromUInt32(expected).ToString());
    }

    [Fact]
    public void Contiguous_runs_sort_and_split_on_gaps()
    {
        var runs = Ipv4.ContiguousRuns(new[] { "10.0.0.9", "10.0.0.3", "10.0.0.2", "10.0.0.4", "10.0.0.7", "10.0.0.3" }.Select(IPAddress.Parse));
        Assert.Equal(["10.0.0.2-10.0.0.4", "10.0.0.7-10.0.0.7", "10.0.0.9-10.0.0.9"], runs.Select(r => $"{r.First}-{r.Last}"));
        Assert.Equal("10.0.0.2-10.0.0.4, 10.0.0.7", Ipv4.DescribeRuns(new[] { "10.0.0.2", "10.0.0.3", "10.0.0.4", "10.0.0.7" }.Select(IPAddress.Parse)));
    }

    [Theory]
    [InlineData("10.0.0.1", true)]
    [InlineData("10.1", false)]
    [InlineData("010.0.0.1", false)]
    [InlineData("10.0.0.256", false)]
    [InlineData("::1", false)]
    [InlineData("", false)]
    [InlineData("10.0.0.1 ", false)]
    public void Strict_parsing_accepts_only_dotted_quads(string text, bool ok) =>
        Assert.Equal(ok, Ipv4.TryParseStrict(text, out _));
}
