using System.Net;
using CocoonNet.Providers.Gke;
using CocoonNet.Providers.Gke.Compute;
using CocoonNet.Providers.Gke.Provisioning;

namespace CocoonNet.Gke.Tests.Unit;

public sealed class AliasRangesTests
{
    private static readonly IPNetwork Subnet = IPNetwork.Parse("172.20.1.0/24");
    private static readonly AliasIpRange GkePods = new("10.8.1.0/24", "gke-pods");
    private static readonly AliasIpRange Primary = new("10.128.0.9");

    [Fact]
    public void Adding_keeps_every_other_alias_in_order_and_appends_ours()
    {
        var desired = AliasRanges.WithAlias([GkePods, Primary], Subnet);
        Assert.Equal([GkePods, Primary, new AliasIpRange("172.20.1.0/24", "cocoon-pods")], desired);
    }

    [Fact]
    public void Adding_is_a_no_op_when_present_even_written_differently()
    {
        Assert.Null(AliasRanges.WithAlias([GkePods, new AliasIpRange(" 172.20.1.0/24", "cocoon-pods")], Subnet));
    }

    [Fact]
    public void Another_cocoon_alias_of_the_node_is_kept_unless_recorded_as_its_stale_one()
    {
        var other = new AliasIpRange("172.20.9.0/24", "cocoon-pods");
        Assert.Equal(3, AliasRanges.WithAlias([GkePods, other], Subnet)!.Count);
        Assert.Equal([GkePods, new AliasIpRange("172.20.1.0/24", "cocoon-pods")],
            AliasRanges.WithAlias([GkePods, other], Subnet, IPNetwork.Parse("172.20.9.0/24")));
    }

    [Fact]
    public void A_same_cidr_from_another_range_is_not_ours()
    {
        var foreign = new AliasIpRange("172.20.1.0/24", "other-range");
        Assert.Null(AliasRanges.WithoutAlias([foreign], Subnet));
        Assert.Equal(2, AliasRanges.WithAlias([foreign], Subnet)!.Count);
    }

    [Fact]
    public void Removing_drops_only_ours_and_may_leave_an_empty_list()
    {
        var ours = new AliasIpRange("172.20.1.0/24", "cocoon-pods");
        Assert.Equal([GkePods, Primary], AliasRanges.WithoutAlias([GkePods, ours, Primary], Subnet));
        Assert.Equal([], AliasRanges.WithoutAlias([ours], Subnet));
        Assert.Null(AliasRanges.WithoutAlias([GkePods], Subnet));
        Assert.Null(AliasRanges.WithoutAlias(null, Subnet));
    }

    [Theory]
    [InlineData(null, "Missing")]
    [InlineData("172.20.0.0/16", "Covers")]
    [InlineData("172.20.1.0/24", "Covers")]
    [InlineData("172.20.1.0/25", "DoesNotCover")]
    [InlineData("172.20.2.0/24", "DoesNotCover")]
    [InlineData("garbage", "DoesNotCover")]
    public void The_secondary_range_must_cover_the_subnet(string? range, string expected)
    {
        var ranges = new List<SecondaryRange> { new("gke-pods", "10.8.0.0/14") };
        if (range is not null)
        {
            ranges.Add(new SecondaryRange("cocoon-pods", range));
        }

        Assert.Equal(expected, AliasRanges.Fit(ranges, Subnet).Fit.ToString());
    }

    [Fact]
    public void A_new_range_is_appended_to_the_full_existing_list()
    {
        Assert.Equal(
            [new SecondaryRange("gke-pods", "10.8.0.0/14"), new SecondaryRange("cocoon-pods", "172.20.1.0/24")],
            AliasRanges.WithRange([new SecondaryRange("gke-pods", "10.8.0.0/14")], Subnet));
    }

    [Fact]
    public void Aliases_render_as_name_colon_cidr()
    {
        Assert.Equal("gke-pods:10.8.1.0/24, 10.128.0.9", AliasRanges.Describe([GkePods, Primary]));
        Assert.Equal("(none)", AliasRanges.Describe([]));
    }

    [Theory]
    [InlineData("10.0.0.7/24", "10.0.0.0/24")]
    [InlineData("10.0.0.7", "10.0.0.7/32")]
    [InlineData(" 192.168.4.0/22 ", "192.168.4.0/22")]
    public void Cidrs_compare_canonically(string text, string canonical)
    {
        Assert.True(Cidr.TryParse(text, out var network));
        Assert.Equal(IPNetwork.Parse(canonical), network);
    }

    [Theory]
    [InlineData("")]
    [InlineData("10.0.0.0/33")]
    [InlineData("fd00::/64")]
    [InlineData("10.0.0.0/24/1")]
    [InlineData("/24")]
    public void Non_ipv4_cidrs_are_rejected(string text) => Assert.False(Cidr.TryParse(text, out _));

    [Fact]
    public void Nic0_missing_is_named()
    {
        var error = Assert.Throws<GkeException>(() => AliasRanges.Nic0(new Instance("vm", NetworkInterfaces: [new NetworkInterface("nic1")])));
        Assert.Equal("nic0 not found on instance vm", error.Message);
    }
}
