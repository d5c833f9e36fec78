using System.Net;
using CocoonNet.Node.Linux;
using CocoonNet.Node.Pipeline.Steps;
using CocoonNet.Node.State;
using NSubstitute;

namespace CocoonNet.Tests.Unit.Ports;

/// <summary>The bridge step's MTU and port isolation: planned against the live links, undone at teardown.</summary>
public sealed class BridgeStepMtuIsolationTests
{
    private static readonly LinkInfo Bridge = new("cni0", 7, "aa:bb:cc:dd:ee:ff", true, "bridge", 0) { Mtu = 1500 };

    private static LinkInfo Port(string name, int index, bool? isolated) => new(name, index, "02:00:00:00:00:01", true, "veth", 7) { Mtu = 1500, Isolated = isolated };

    private static IKernelNetwork Kernel(params LinkInfo[] links)
    {
        var kernel = Substitute.For<IKernelNetwork>();
        kernel.ListLinks().Returns(links);
        kernel.ListAddresses().Returns([new AddressInfo(7, IPAddress.Parse("172.20.100.1"), 24)]);
        kernel.SetPortIsolated(default, default).ReturnsForAnyArgs(true);
        return kernel;
    }

    [Fact]
    public async Task A_bridge_found_here_takes_the_mtu_and_its_ports_the_flag_and_its_mtu_is_recorded_for_teardown()
    {
        var kernel = Kernel(Bridge, Port("vethb", 12, isolated: false), Port("vetha", 11, isolated: true), Port("vethc", 13, isolated: null));
        var footprint = new HostFootprint { BridgeAddress = "172.20.100.1/24" };
        var plan = await new BridgeStep(kernel).PlanSetupAsync(RenderingTests.Spec() with { Mtu = 1460 }, footprint, CancellationToken.None);
        Assert.Equal(["~ set cni0 mtu 1500 -> 1460", "~ isolate VM port vethb", "~ isolate VM port vethc"], plan.Changes);

        await plan.Apply(footprint, CancellationToken.None);
        Assert.Equal(1500, footprint.BridgeOriginalMtu);
        kernel.Received(1).SetLinkMtu(7, 1460);
        kernel.Received(1).SetPortIsolated(12, true);
        kernel.Received(1).SetPortIsolated(13, true);
        kernel.DidNotReceive().SetPortIsolated(11, Arg.Any<bool>());
    }

    [Fact]
    public async Task In_place_plans_nothing_and_an_unknown_mtu_leaves_the_bridge_as_it_is()
    {
        var kernel = Kernel(Bridge with { Mtu = 1460 }, Port("veth1", 11, isolated: true));
        var step = new BridgeStep(kernel);
        Assert.True((await step.PlanSetupAsync(RenderingTests.Spec() with { Mtu = 1460 }, new HostFootprint(), CancellationToken.None)).IsEmpty);
        Assert.True((await step.PlanSetupAsync(RenderingTests.Spec() with { Mtu = null }, new HostFootprint(), CancellationToken.None)).IsEmpty);
    }

    [Fact]
    public async Task A_bridge_whose_mac_follows_its_ports_gets_the_one_it_has_now_fixed_and_a_fixed_one_is_left_alone()
    {
        var kernel = Kernel(Bridge with { Mtu = 1460 }, Port("veth1", 11, isolated: true));
        kernel.HasFixedAddress("cni0").Returns(false);
        var plan = await new BridgeStep(kernel).PlanSetupAsync(RenderingTests.Spec() with { Mtu = 1460 }, new HostFootprint(), CancellationToken.None);
        Assert.Equal(["~ fix cni0's MAC address at aa:bb:cc:dd:ee:ff"], plan.Changes);
        await plan.Apply(new HostFootprint(), CancellationToken.None);
        kernel.Received(1).SetLinkAddress(7, "aa:bb:cc:dd:ee:ff");

        kernel.HasFixedAddress("cni0").Returns(true);
        Assert.True((await new BridgeStep(kernel).PlanSetupAsync(RenderingTests.Spec() with { Mtu = 1460 }, new HostFootprint(), CancellationToken.None)).IsEmpty);
    }

    [Fact]
    public async Task A_bridge_cocoon_net_creates_gets_the_mtu_without_a_record()
    {
        var kernel = Substitute.For<IKernelNetwork>();
        kernel.ListLinks().Returns([], [Bridge]);
        var footprint = new HostFootprint();
        var plan = await new BridgeStep(kernel).PlanSetupAsync(RenderingTests.Spec() with { Mtu = 1460 }, footprint, CancellationToken.None);
        Assert.Equal(["+ create bridge cni0", "+ add address 172.20.100.1/24 to cni0", "~ fix cni0's MAC address", "~ set cni0 mtu 1500 -> 1460", "~ set cni0 up"], plan.Changes);
        await plan.Apply(footprint, CancellationToken.None);
        Assert.Null(footprint.BridgeOriginalMtu);
        kernel.Received(1).SetLinkMtu(7, 1460);
        kernel.Received(1).SetLinkAddress(7, "aa:bb:cc:dd:ee:ff");

        // Ethernet's MTU on a new bridge is no change at all.
        kernel.ListLinks().Returns([]);
        var plain = await new BridgeStep(kernel).PlanSetupAsync(RenderingTests.Spec() with { Mtu = 1500 }, new HostFootprint(), CancellationToken.None);
        Assert.DoesNotContain(plain.Changes, c => c.Contains("mtu", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Isolation_off_clears_the_flag_on_the_ports_already_there()
    {
        var kernel = Kernel(Bridge, Port("veth1", 11, isolated: true), Port("veth2", 12, isolated: false));
        var plan = await new BridgeStep(kernel).PlanSetupAsync(RenderingTests.Spec() with { VmIsolation = false }, new HostFootprint(), CancellationToken.None);
        Assert.Equal(["~ un-isolate VM port veth1"], plan.Changes);
        await plan.Apply(new HostFootprint(), CancellationToken.None);
        kernel.Received(1).SetPortIsolated(11, false);
    }

    [Fact]
    public async Task Teardown_of_a_kept_bridge_clears_the_flags_and_puts_the_mtu_it_found_back()
    {
        var kernel = Kernel(Bridge with { Mtu = 1460 }, Port("veth1", 11, isolated: true));
        var footprint = new HostFootprint { BridgeOriginalMtu = 1500 };
        var plan = await new BridgeStep(kernel).PlanTeardownAsync(RenderingTests.Spec(), footprint, CancellationToken.None);
        Assert.Equal(["~ un-isolate VM port veth1", "~ set cni0 mtu 1460 -> 1500 (as found)"], plan.Changes);
        await plan.Apply(footprint, CancellationToken.None);
        kernel.Received(1).SetPortIsolated(11, false);
        kernel.Received(1).SetLinkMtu(7, 1500);
        Assert.Null(footprint.BridgeOriginalMtu);
        Assert.True(footprint.OwnsNothing());
    }

    [Fact]
    public async Task Teardown_deleting_our_bridge_touches_neither_ports_nor_mtu()
    {
        var kernel = Kernel(Bridge with { Mtu = 1460 });
        var footprint = new HostFootprint { BridgeCreated = true };
        var plan = await new BridgeStep(kernel).PlanTeardownAsync(RenderingTests.Spec(), footprint, CancellationToken.None);
        Assert.Equal(["- delete bridge cni0"], plan.Changes);
    }

    [Fact]
    public void The_original_mtu_is_part_of_the_footprint_and_left_out_of_pool_json_when_unset()
    {
        var footprint = new HostFootprint { BridgeOriginalMtu = 1500 };
        Assert.False(footprint.OwnsNothing());
        Assert.Contains("MTU of cni0 (was 1500)", footprint.Describe());
        Assert.Contains("\"bridgeMtu\": 1500", PoolStateJson.Write(new PoolState { Platform = "generic", NodeName = "n", Subnet = "10.0.0.0/24", Host = footprint }));
        Assert.DoesNotContain("bridgeMtu", PoolStateJson.Write(new PoolState { Platform = "generic", NodeName = "n", Subnet = "10.0.0.0/24" }));
    }

    [Fact]
    public void A_recorded_original_mtu_no_link_can_have_is_refused_naming_the_field()
    {
        var valid = PoolStateTamperingTests.Valid;
        Assert.Null(PoolStateRules.Problem(valid with { Host = valid.Host with { BridgeOriginalMtu = 1500 } }));
        Assert.Contains("host.bridgeMtu", PoolStateRules.Problem(valid with { Host = valid.Host with { BridgeOriginalMtu = 10 } }));
    }
}
