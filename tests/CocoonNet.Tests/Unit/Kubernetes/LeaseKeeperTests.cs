using CocoonNet.Host.Kubernetes;
using CocoonNet.Tests.Support;
using Microsoft.Extensions.Logging.Abstractions;

namespace CocoonNet.Tests.Unit.Kubernetes;

/// <summary>Orphan leases are collected after the grace period; live and recent ones are left; teardown releases only its own.</summary>
public sealed class LeaseKeeperTests
{
    private static readonly DateTimeOffset Now = TimeProvider.System.GetUtcNow();

    [Fact]
    public async Task An_orphan_lease_older_than_the_grace_is_deleted_and_nothing_else()
    {
        var api = new FakeNodeApi();
        api.AddNode("alive");
        api.PutLease(new SubnetLease("vm-subnet-172-20-0-0-24", "gone", Now.AddMinutes(-30), Now.AddMinutes(-20), null));
        api.PutLease(new SubnetLease("vm-subnet-172-20-1-0-24", "gone-recently", Now.AddMinutes(-30), Now.AddMinutes(-1), null));
        api.PutLease(new SubnetLease("vm-subnet-172-20-2-0-24", "alive", Now.AddMinutes(-30), Now.AddMinutes(-30), null));
        api.PutLease(new SubnetLease("vm-subnet-172-20-3-0-24", "me", Now.AddMinutes(-30), Now.AddMinutes(-30), null));
        var keeper = new LeaseKeeper(api, "cocoon-net", TimeProvider.System, NullLogger.Instance);
        Assert.Equal(1, await keeper.CollectAsync("me", TimeSpan.FromMinutes(10), CancellationToken.None));
        Assert.DoesNotContain(api.Leases, l => l.Holder == "gone");
        Assert.Equal(3, api.Leases.Count);
    }

    [Fact]
    public async Task An_orphan_whose_delete_is_refused_is_left_said_once_and_the_collection_goes_on()
    {
        var api = new FakeNodeApi { DeletesOnlyHeldBy = "me" };
        api.PutLease(new SubnetLease("vm-subnet-172-20-0-0-24", "gone", Now.AddMinutes(-30), Now.AddMinutes(-20), null));
        api.PutLease(new SubnetLease("vm-subnet-172-20-3-0-24", "me", Now.AddMinutes(-30), Now.AddMinutes(-30), null));
        var logger = new ListLogger<LeaseKeeper>();
        var keeper = new LeaseKeeper(api, "cocoon-net", TimeProvider.System, logger);

        Assert.Equal(0, await keeper.CollectAsync("me", TimeSpan.FromMinutes(10), CancellationToken.None));
        Assert.Equal(0, await keeper.CollectAsync("me", TimeSpan.FromMinutes(10), CancellationToken.None));

        Assert.Equal(2, api.Leases.Count);
        var line = Assert.Single(logger.Lines);
        Assert.Equal(Microsoft.Extensions.Logging.LogLevel.Warning, line.Level);
        Assert.Contains("kubectl -n cocoon-net delete lease vm-subnet-172-20-0-0-24", line.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Release_deletes_only_this_nodes_lease_and_renew_moves_its_renew_time()
    {
        var api = new FakeNodeApi();
        api.PutLease(new SubnetLease("vm-subnet-172-20-0-0-24", "me", Now.AddMinutes(-30), Now.AddMinutes(-30), null));
        api.PutLease(new SubnetLease("vm-subnet-172-20-1-0-24", "other", null, null, null));
        var keeper = new LeaseKeeper(api, "cocoon-net", TimeProvider.System, NullLogger.Instance);
        await keeper.RenewAsync("me", CancellationToken.None);
        Assert.True(api.Leases.Single(l => l.Holder == "me").RenewTime > Now.AddMinutes(-1));
        Assert.Equal(["vm-subnet-172-20-0-0-24"], await keeper.ReleaseAsync("me", CancellationToken.None));
        Assert.Equal("other", Assert.Single(api.Leases).Holder);
    }
}
