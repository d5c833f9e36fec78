using System.Net;
using CocoonNet.Host.Agent;
using CocoonNet.Host.Agent.Drift;
using CocoonNet.Node.Linux;

namespace CocoonNet.Tests.Unit;

/// <summary>Which kernel events concern the node, and which are the agent's own repairs or someone else's business.</summary>
public sealed class DriftClassifierTests
{
    private const int Bridge = 5;
    private const int Primary = 2;
    private const int Eni = 3;

    private static readonly DriftScope Scope = new(
        IPNetwork.Parse("172.20.0.0/24"),
        [IPAddress.Parse("172.20.0.2"), IPAddress.Parse("172.20.0.3")],
        "cni0",
        ["eth1"]);

    private static DriftClassifier New() => new(Scope,
    [
        new LinkInfo("lo", 1, "", true, "", 0),
        new LinkInfo("eth0", Primary, "", true, "", 0),
        new LinkInfo("eth1", Eni, "", true, "", 0),
        new LinkInfo("cni0", Bridge, "", true, "bridge", 0),
    ]);

    private static RouteEvent PoolRoute(bool deleted, string ip = "172.20.0.2", byte protocol = 204, int oif = Bridge) =>
        new(deleted, 254, IPAddress.Parse(ip), 32, oif, protocol, 1);

    [Fact]
    public void A_pool_route_deleted_or_taken_by_someone_else_is_route_drift_and_ours_re_added_is_not()
    {
        var classifier = New();
        Assert.Equal(new DriftObservation("route 172.20.0.2/32", "route", RepairScope.Routes, true), classifier.Classify(PoolRoute(deleted: true)));
        Assert.Equal(new DriftObservation("route 172.20.0.2/32", "route", RepairScope.Routes, false), classifier.Classify(PoolRoute(deleted: false)));
        Assert.True(classifier.Classify(PoolRoute(deleted: false, protocol: 3))!.Value.Drifted);
        Assert.True(classifier.Classify(PoolRoute(deleted: false, oif: Primary))!.Value.Drifted);
    }

    [Fact]
    public void Routes_outside_the_pool_or_in_other_tables_are_ignored()
    {
        var classifier = New();
        Assert.Null(classifier.Classify(PoolRoute(deleted: true, ip: "172.20.0.9")));
        Assert.Null(classifier.Classify(PoolRoute(deleted: true, ip: "10.0.0.2")));
        Assert.Null(classifier.Classify(new RouteEvent(true, 100, IPAddress.Parse("172.20.0.2"), 32, Bridge, 204, 1)));
        Assert.Null(classifier.Classify(new RouteEvent(true, 254, IPAddress.Parse("0.0.0.0"), 0, Primary, 3, 1)));
    }

    [Fact]
    public void A_local_route_inside_the_subnet_on_another_device_is_drift_on_the_bridge_or_outside_the_subnet_not()
    {
        var classifier = New();
        var guestAgent = new RouteEvent(false, 255, IPAddress.Parse("172.20.0.0"), 24, Primary, 66, 2);
        Assert.Equal(new DriftObservation("local-route 172.20.0.0/24 on eth0", "local-route", RepairScope.ForeignLocalRoutes, true), classifier.Classify(guestAgent));
        Assert.False(classifier.Classify(guestAgent with { Deleted = true })!.Value.Drifted);
        Assert.Null(classifier.Classify(new RouteEvent(false, 255, IPAddress.Parse("172.20.0.1"), 32, Bridge, 2, 2)));
        Assert.Null(classifier.Classify(new RouteEvent(false, 255, IPAddress.Parse("10.1.0.0"), 24, Primary, 66, 2)));
        Assert.Null(classifier.Classify(new RouteEvent(false, 255, IPAddress.Parse("172.16.0.0"), 12, Primary, 66, 2)));
    }

    [Fact]
    public void A_local_route_the_kernel_made_for_an_address_or_one_on_loopback_is_never_drift()
    {
        // The node's own: an address inside the subnet on eth0 (a pool.json that bypassed every check), a range on lo.
        var classifier = New();
        Assert.Null(classifier.Classify(new RouteEvent(false, 255, IPAddress.Parse("172.20.0.9"), 32, Primary, 2, 2)));
        Assert.Null(classifier.Classify(new RouteEvent(true, 255, IPAddress.Parse("172.20.0.9"), 32, Primary, 2, 2)));
        Assert.Null(classifier.Classify(new RouteEvent(false, 255, IPAddress.Parse("172.20.0.64"), 26, 1, 3, 2)));
        Assert.True(classifier.Classify(new RouteEvent(false, 255, IPAddress.Parse("172.20.0.9"), 32, Primary, 66, 2))!.Value.Drifted);
    }

    [Fact]
    public void The_bridge_deleted_or_set_down_is_bridge_drift_but_its_re_creation_is_not()
    {
        var classifier = New();
        Assert.Equal(new DriftObservation("bridge cni0 down", "bridge", RepairScope.Bridge, true), classifier.Classify(new LinkEvent(false, Bridge, "cni0", false, false)));
        Assert.Null(classifier.Classify(new LinkEvent(false, Bridge, "cni0", true, false)));
        Assert.Equal(new DriftObservation("bridge cni0 deleted", "bridge", RepairScope.Bridge, true), classifier.Classify(new LinkEvent(true, Bridge, "cni0", false, false)));

        // Re-created under a new index: its first (down) state is no drift, and its routes are ours again.
        Assert.Null(classifier.Classify(new LinkEvent(false, 9, "cni0", false, true)));
        Assert.False(classifier.Classify(PoolRoute(deleted: false, oif: 9))!.Value.Drifted);
    }

    [Fact]
    public void The_bridge_address_removed_is_bridge_drift_other_addresses_not()
    {
        var classifier = New();
        var gateway = new AddressEvent(true, Bridge, IPAddress.Parse("172.20.0.1"), 24);
        Assert.Equal(new DriftObservation("address 172.20.0.1/24 on cni0", "address", RepairScope.Bridge, true), classifier.Classify(gateway));
        Assert.False(classifier.Classify(gateway with { Deleted = false })!.Value.Drifted);
        Assert.Null(classifier.Classify(new AddressEvent(true, Primary, IPAddress.Parse("10.0.0.5"), 24)));
    }

    [Fact]
    public void A_backend_nic_down_is_nic_drift_and_other_links_are_ignored()
    {
        var classifier = New();
        Assert.Equal(new DriftObservation("nic eth1 down", "nic", RepairScope.Nics, true), classifier.Classify(new LinkEvent(false, Eni, "eth1", false, false)));
        Assert.False(classifier.Classify(new LinkEvent(false, Eni, "eth1", true, false))!.Value.Drifted);
        Assert.Null(classifier.Classify(new LinkEvent(false, Primary, "eth0", false, false)));
        Assert.Null(classifier.Classify(new LinkEvent(false, 12, "veth1234", false, true)));
    }
}
