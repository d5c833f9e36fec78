using System.Net;
using CocoonNet.Abstractions;
using CocoonNet.Providers.Volcengine.Host;
using CocoonNet.Providers.Volcengine.Provisioning;
using NSubstitute;

namespace CocoonNet.Volcengine.Tests.Unit;

/// <summary>
/// An ENI's NIC is waited for once per process (after attach, at boot); a NIC that is gone, or was waited for in
/// vain, fails at once, so an agent's resync never stalls its repairs on it. Counts list calls, never times.
/// </summary>
public sealed class NicWaitTests
{
    private static readonly HostLink Eth0 = new() { Name = "eth0", Index = 2, Mac = "aa:bb:cc:00:00:00", IsUp = true };
    private static readonly HostLink Eth1 = new() { Name = "eth1", Index = 3, Mac = "aa:bb:cc:00:00:01", IsUp = true };

    private static HostContext Context()
    {
        var record = new ProvisionRecord(CloudResources.None);
        record.SetEni("eni-1", "aa:bb:cc:00:00:01", null);
        return new HostContext { NodeName = "n1", Subnet = IPNetwork.Parse("172.20.0.0/24"), PrimaryNic = "eth0", Resources = record.Snapshot() };
    }

    [Fact]
    public async Task A_NIC_never_seen_is_waited_for_once_then_fails_at_once()
    {
        var network = Substitute.For<IHostNetwork>();
        network.ListLinksAsync(Arg.Any<CancellationToken>()).Returns([Eth0]);
        IHostNetworkBackend backend = new VolcengineHostBackend(network, TimeProvider.System) { LinkTimeout = TimeSpan.FromMilliseconds(300) };

        await Assert.ThrowsAsync<InvalidOperationException>(() => backend.PrepareHostAsync(Context(), false, CancellationToken.None));
        var polls = network.ReceivedCalls().Count();
        Assert.True(polls > 1, $"the first call polls until the timeout ({polls} lists)");

        network.ClearReceivedCalls();
        await Assert.ThrowsAsync<InvalidOperationException>(() => backend.PrepareHostAsync(Context(), false, CancellationToken.None));
        Assert.Single(network.ReceivedCalls());
    }

    [Fact]
    public async Task A_NIC_seen_and_then_gone_fails_at_once()
    {
        var network = Substitute.For<IHostNetwork>();
        network.ListLinksAsync(Arg.Any<CancellationToken>()).Returns([Eth0, Eth1], [Eth0]);
        IHostNetworkBackend backend = new VolcengineHostBackend(network, TimeProvider.System) { LinkTimeout = TimeSpan.FromMinutes(10) };

        Assert.Empty(await backend.PrepareHostAsync(Context(), false, CancellationToken.None));
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => backend.PrepareHostAsync(Context(), false, CancellationToken.None));
        Assert.Contains("ENI eni-1", error.Message, StringComparison.Ordinal);
        Assert.Equal(2, network.ReceivedCalls().Count());
    }
}
