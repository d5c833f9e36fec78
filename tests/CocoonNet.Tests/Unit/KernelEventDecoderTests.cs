using System.Net;
using CocoonNet.Host.Agent.Drift;
using CocoonNet.Node.Linux.Netlink;

namespace CocoonNet.Tests.Unit;

/// <summary>rtnetlink notifications as the kernel sends them, decoded for drift detection.</summary>
public sealed class KernelEventDecoderTests
{
    // RTM_DELROUTE 172.20.0.5/32 table main proto 204 scope link unicast, RTA_TABLE 254, RTA_DST, RTA_OIF 7.
    private const string DelRoute =
        "34000000" + "1900" + "0000" + "00000000" + "00000000"
        + "02200000" + "fecc" + "fd01" + "00000000"
        + "08000f00fe000000" + "08000100ac140005" + "0800040007000000";

    // RTM_NEWLINK ifindex 5 flags 0x1003 (UP, BROADCAST, MULTICAST) change 0x1 (UP), IFLA_IFNAME "cni0".
    private const string NewLinkUp =
        "2c000000" + "1000" + "0000" + "00000000" + "00000000"
        + "0000" + "0100" + "05000000" + "03100000" + "01000000"
        + "0900" + "0300" + "636e693000" + "000000";

    // RTM_DELADDR 172.20.0.1/24 on ifindex 5, IFA_LOCAL and IFA_ADDRESS.
    private const string DelAddress =
        "28000000" + "1500" + "0000" + "00000000" + "00000000"
        + "02180080" + "05000000"
        + "08000200ac140001" + "08000100ac140001";

    [Fact]
    public void Route_deletion_is_decoded_with_table_destination_device_protocol_and_type()
    {
        var e = Assert.Single(KernelEventDecoder.Decode(Convert.FromHexString(DelRoute)));
        Assert.Equal(new RouteEvent(true, 254, IPAddress.Parse("172.20.0.5"), 32, 7, 204, 1), e);
    }

    [Fact]
    public void Link_change_is_decoded_with_index_name_and_up_state()
    {
        var e = Assert.Single(KernelEventDecoder.Decode(Convert.FromHexString(NewLinkUp)));
        Assert.Equal(new LinkEvent(false, 5, "cni0", true, false), e);
    }

    [Fact]
    public void Address_removal_is_decoded_with_index_address_and_prefix()
    {
        var e = Assert.Single(KernelEventDecoder.Decode(Convert.FromHexString(DelAddress)));
        Assert.Equal(new AddressEvent(true, 5, IPAddress.Parse("172.20.0.1"), 24), e);
    }

    [Fact]
    public void Several_messages_in_one_datagram_are_all_decoded_and_other_families_and_types_skipped()
    {
        var ipv6Route = Convert.FromHexString(DelRoute);
        ipv6Route[16] = 10; // AF_INET6
        var neighbour = Convert.FromHexString(DelRoute);
        neighbour[4] = 28; // RTM_NEWNEIGH
        var datagram = Convert.FromHexString(NewLinkUp).Concat(ipv6Route).Concat(neighbour).Concat(Convert.FromHexString(DelAddress)).ToArray();

        var events = KernelEventDecoder.Decode(datagram);

        Assert.Collection(events, e => Assert.IsType<LinkEvent>(e), e => Assert.IsType<AddressEvent>(e));
    }

    [Fact]
    public void A_link_just_registered_is_marked_and_the_table_falls_back_to_the_header()
    {
        var link = Convert.FromHexString(NewLinkUp);
        link[28] = link[29] = link[30] = link[31] = 0xff; // ifi_change = ~0
        Assert.Equal(new LinkEvent(false, 5, "cni0", true, true), KernelEventDecoder.Decode(link).Single());

        var route = new NetlinkMessageBuilder(KernelEventDecoder.NewRoute, 0)
            .Append(new byte[] { 2, 24, 0, 0, 255, 66, 254, 2, 0, 0, 0, 0 })
            .Attribute(1, new byte[] { 172, 20, 0, 0 })
            .Attribute(4, 3u)
            .Finish(1);
        Assert.Equal(new RouteEvent(false, 255, IPAddress.Parse("172.20.0.0"), 24, 3, 66, 2), KernelEventDecoder.Decode(route).Single());
    }
}
