using System.Net;
using CocoonNet.Abstractions;
using CocoonNet.Providers.Volcengine.Host;
using CocoonNet.Providers.Volcengine.Provisioning;
using NSubstitute;

namespace CocoonNet.Volcengine.Tests.Unit;

/// <summary>Contract 2.2: the backend tells the agent which NICs it keeps up, found by the MACs recorded in pool.json.</summary>
public sealed class HostWatchTests
{
    [Fact]
    public async Task The_NICs_kept_up_are_the_recorded_ENIs_present_now_without_waiting()
    {
        var record = new ProvisionRecord(CloudResources.None);
        record.SetEni("eni-1", "AA:BB:CC:00:00:01", null);
        record.SetEni("eni-2", "aa:bb:cc:00:00:02", null);
        var network = Substitute.For<IHostNetwork>();
        network.ListLinksAsync(Arg.Any<CancellationToken>()).Returns(
        [
            new HostLink { Name = "eth0", Index = 2, Mac = "aa:bb:cc:00:00:00", IsUp = true },
            new HostLink { Name = "eth1", Index = 3, Mac = "aa:bb:cc:00:00:01", IsUp = false },
            // eni-2's NIC has not appeared: described as it is, no 60 s wait as in PrepareHostAsync.
        ]);
        IHostNetworkBackend backend = new VolcengineHostBackend(network, TimeProvider.System);
        var context = new HostContext
        {
            NodeName = "n1",
            Subnet = IPNetwork.Parse("172.20.0.0/24"),
            PrimaryNic = "eth0",
            Resources = record.Snapshot(),
        };

        var watch = await backend.DescribeWatchAsync(context, CancellationToken.None);

        Assert.Equal(["eth1"], watch.NicsKeptUp);
        Assert.Empty(watch.OwnedLocalRoutes);
    }
}
