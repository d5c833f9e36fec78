using CocoonNet.Host;
using System.Net;
using CocoonNet.Node.Linux;
using CocoonNet.Host.Operations;
using CocoonNet.Node.Pipeline;
using CocoonNet.Node.Pipeline.Steps;
using NSubstitute;
using CocoonNet.Node.State;
using CocoonNet.Node.Engine;

namespace CocoonNet.Tests.Unit;

/// <summary>
/// A VM subnet can never take the node's own addresses: the live check refuses one that holds them before anything
/// changes, and the local-route sweep never deletes loopback's routes nor the ones the kernel made for an address.
/// </summary>
public sealed class SubnetGuardTests
{
    private const int Lo = 1;
    private const int Eth0 = 2;
    private const int Dummy = 3;
    private const int Cni0 = 7;

    private static IKernelNetwork Node()
    {
        var kernel = Substitute.For<IKernelNetwork>();
        kernel.ListLinks().Returns(
        [
            new LinkInfo("lo", Lo, "", true, "", 0),
            new LinkInfo("eth0", Eth0, "", true, "", 0),
            new LinkInfo("gag0", Dummy, "", true, "dummy", 0),
            new LinkInfo("cni0", Cni0, "", true, "bridge", 0),
        ]);
        kernel.ListAddresses().Returns(
        [
            new AddressInfo(Lo, IPAddress.Parse("127.0.0.1"), 8),
            new AddressInfo(Eth0, IPAddress.Parse("10.128.0.5"), 20),
            new AddressInfo(Cni0, IPAddress.Parse("172.20.0.1"), 24),
        ]);
        kernel.ListRoutes(RouteConstants.TableMain).Returns(
        [
            MainRoute("0.0.0.0", 0, Eth0, "10.128.0.1"),
            MainRoute("10.128.0.0", 20, Eth0, null),
            MainRoute("192.168.50.0", 24, Eth0, "10.128.0.9"),
            // A route through cni0 with a next hop in the VM subnet is cocoon-net's business, not the node's.
            MainRoute("198.18.0.0", 24, Cni0, "172.20.0.50"),
        ]);
        return kernel;
    }

    private static RouteInfo MainRoute(string destination, int prefix, int oif, string? gateway) =>
        new(IPAddress.Parse(destination), prefix, oif, RouteConstants.TableMain, 3, RouteConstants.ScopeUniverse, RouteConstants.TypeUnicast,
            gateway is null ? null : IPAddress.Parse(gateway));

    private static RouteInfo Local(string destination, int prefix, int oif, byte protocol, byte type = RouteConstants.TypeLocal) =>
        new(IPAddress.Parse(destination), prefix, oif, RouteConstants.TableLocal, protocol, RouteConstants.ScopeHost, type);

    [Theory]
    [InlineData("10.128.0.0/20", "contains 10.128.0.5, an address of this node on eth0")]
    [InlineData("10.0.0.0/8", "contains 10.128.0.5, an address of this node on eth0")]
    [InlineData("10.128.0.0/30", "contains 10.128.0.1, the next hop of this node's default route on eth0")]
    [InlineData("10.128.0.8/30", "contains 10.128.0.9, the next hop of this node's route to 192.168.50.0/24 on eth0")]
    public void A_subnet_holding_an_address_or_next_hop_of_the_node_is_refused(string subnet, string conflict)
    {
        Assert.Equal(conflict, LiveSubnet.Conflict(Node(), IPNetwork.Parse(subnet)));
        Assert.Equal(
            $"annotation cocoonstack.io/vm-subnet {subnet} {conflict}: choose a VM subnet outside the node's own networks",
            LiveSubnet.Refusal(Node(), IPNetwork.Parse(subnet), "annotation cocoonstack.io/vm-subnet"));
    }

    [Theory]
    [InlineData("172.20.0.0/24")] // cni0 holds its gateway on a re-run; its routes are ours
    [InlineData("10.128.16.0/24")] // next to the node's network, holding none of its addresses
    [InlineData("192.168.50.0/24")] // a destination of the node's routes, not a next hop
    public void A_subnet_clear_of_the_node_passes(string subnet) =>
        Assert.Null(LiveSubnet.Conflict(Node(), IPNetwork.Parse(subnet)));

    [Fact]
    public void An_address_on_a_recorded_uplink_is_the_clouds_not_a_conflict_but_on_any_other_device_it_is()
    {
        // A Volcengine secondary ENI lives inside the VM subnet: an image that gives eth1 its primary address, and a
        // route through the subnet's VPC gateway, are expected there; the same on gag0 (not an uplink) is refused.
        var kernel = Node();
        kernel.ListLinks().Returns([.. kernel.ListLinks(), new LinkInfo("eth1", 8, "", true, "", 0)]);
        kernel.ListAddresses().Returns([.. kernel.ListAddresses(), new AddressInfo(8, IPAddress.Parse("172.20.0.3"), 24)]);
        kernel.ListRoutes(RouteConstants.TableMain).Returns([.. kernel.ListRoutes(RouteConstants.TableMain), MainRoute("100.64.0.0", 10, 8, "172.20.0.1")]);
        var subnet = IPNetwork.Parse("172.20.0.0/24");

        Assert.Null(LiveSubnet.Conflict(kernel, subnet, ["eth1"]));
        Assert.Equal("contains 172.20.0.3, an address of this node on eth1", LiveSubnet.Conflict(kernel, subnet));
        Assert.Equal("contains 172.20.0.3, an address of this node on eth1", LiveSubnet.Conflict(kernel, subnet, ["gag0"]));
    }

    [Fact]
    public void The_sweep_takes_only_routes_other_programs_added_never_loopbacks_nor_the_kernels()
    {
        var subnet = IPNetwork.Parse("10.128.0.0/20");
        var guestAgent = Local("10.128.0.0", 20, Eth0, 66);
        var table = new[]
        {
            guestAgent,
            Local("10.128.0.5", 32, Eth0, RouteConstants.ProtocolKernel), // the node's own address
            Local("10.128.15.255", 32, Eth0, RouteConstants.ProtocolKernel, type: 3), // its broadcast
            Local("10.128.4.0", 24, Lo, 3), // a range answered on loopback (AnyIP)
            Local("10.128.0.1", 32, Cni0, RouteConstants.ProtocolKernel),
        };
        Assert.Equal([guestAgent], RouteStep.ForeignLocalRoutes(table, subnet, Cni0));
    }

    [Fact]
    public async Task A_spec_whose_subnet_covers_the_nodes_address_plans_no_deletion_of_its_local_routes()
    {
        // A spec that bypassed every check (a pool.json edited by hand): the routes step still keeps the node's own.
        var kernel = Node();
        kernel.ListRoutes(RouteConstants.TableLocal).Returns(
        [
            Local("10.128.0.5", 32, Eth0, RouteConstants.ProtocolKernel),
            Local("127.0.0.0", 8, Lo, RouteConstants.ProtocolKernel),
            Local("10.128.2.0", 24, Dummy, 66),
        ]);
        var spec = RenderingTests.Spec(pool: 0) with { Subnet = IPNetwork.Parse("10.128.0.0/20"), Gateway = IPAddress.Parse("10.128.0.1") };
        var plan = await new RouteStep(kernel).PlanSetupAsync(spec, new HostFootprint(), CancellationToken.None);
        Assert.Equal(
            ["- delete local route 10.128.2.0/24 on gag0 (a local route for the VM range on another device black-holes VM traffic)"],
            plan.Changes);
        await plan.Apply(new HostFootprint(), CancellationToken.None);
        kernel.Received(1).DeleteRoutes(Arg.Is<IReadOnlyList<RouteInfo>>(r => r.Count == 1 && r[0].OutputIndex == Dummy));
    }
}
