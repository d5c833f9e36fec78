using System.Net;
using CocoonNet.Host.Kubernetes;
using Microsoft.Extensions.Logging.Abstractions;

namespace CocoonNet.Tests.Unit.Kubernetes;

/// <summary>Fleet subnet allocation by Lease: lowest free first, never one subnet for two nodes, a held lease reused.</summary>
public sealed class SubnetAllocatorTests
{
    private static readonly IPNetwork Range = IPNetwork.Parse("172.20.0.0/16");

    private static SubnetAllocator Allocator(FakeNodeApi api) => new(api, "cocoon-net", TimeProvider.System, NullLogger.Instance);

    [Fact]
    public async Task Twenty_racing_nodes_never_share_a_subnet()
    {
        var api = new FakeNodeApi();
        // Every allocator starts from the same (empty) list, so they race for the same lowest subnets.
        var claims = await Task.WhenAll(Enumerable.Range(0, 20).Select(i =>
            Task.Run(() => Allocator(api).ClaimAsync($"node-{i}", Range, 24, [], CancellationToken.None))));
        Assert.Equal(20, claims.Distinct().Count());
        Assert.Equal(20, api.Leases.Count);
        Assert.All(api.Leases, l => Assert.Equal(ClusterNames.LeaseName(ClusterNames.SubnetOf(l.Name)!.Value), l.Name));
        Assert.Equal(
            Enumerable.Range(0, 20).Select(i => $"172.20.{i}.0/24").Order(StringComparer.Ordinal),
            claims.Select(c => c.ToString()).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task The_lowest_free_subnet_is_claimed_with_a_lease_named_for_it()
    {
        var api = new FakeNodeApi();
        api.PutLease(new SubnetLease("vm-subnet-172-20-0-0-24", "other", null, null, null));
        var subnet = await Allocator(api).ClaimAsync("me", Range, 24, [], CancellationToken.None);
        Assert.Equal("172.20.1.0/24", subnet.ToString());
        var lease = Assert.Single(api.Leases, l => l.Holder == "me");
        Assert.Equal("vm-subnet-172-20-1-0-24", lease.Name);
    }

    [Fact]
    public async Task A_lease_this_node_holds_is_reused()
    {
        var api = new FakeNodeApi();
        api.PutLease(new SubnetLease("vm-subnet-172-20-7-0-24", "me", null, null, null));
        Assert.Equal("172.20.7.0/24", (await Allocator(api).ClaimAsync("me", Range, 24, [], CancellationToken.None)).ToString());
        Assert.Single(api.Leases);
    }

    [Fact]
    public async Task The_subnet_of_the_nodes_own_address_is_skipped()
    {
        var api = new FakeNodeApi();
        var subnet = await Allocator(api).ClaimAsync("me", Range, 24, [IPAddress.Parse("172.20.0.5")], CancellationToken.None);
        Assert.Equal("172.20.1.0/24", subnet.ToString());
    }

    [Fact]
    public async Task A_full_range_is_one_clear_error()
    {
        var api = new FakeNodeApi();
        var small = IPNetwork.Parse("172.20.0.0/23");
        await Allocator(api).ClaimAsync("a", small, 24, [], CancellationToken.None);
        await Allocator(api).ClaimAsync("b", small, 24, [], CancellationToken.None);
        var e = await Assert.ThrowsAsync<InvalidOperationException>(() => Allocator(api).ClaimAsync("c", small, 24, [], CancellationToken.None));
        Assert.Equal("no free /24 left in 172.20.0.0/23 (leases in namespace cocoon-net): widen --cluster-vm-cidr, or delete the leases of nodes that are gone", e.Message);
    }

    [Theory]
    [InlineData("vm-subnet-172-20-3-0-24", "172.20.3.0/24")]
    [InlineData("vm-subnet-10-0-0-0-8", "10.0.0.0/8")]
    [InlineData("something-else", null)]
    [InlineData("vm-subnet-1-2-3-24", null)]
    public void Lease_names_round_trip(string name, string? subnet)
    {
        Assert.Equal(subnet, ClusterNames.SubnetOf(name)?.ToString());
        if (subnet is not null)
        {
            Assert.Equal(name, ClusterNames.LeaseName(IPNetwork.Parse(subnet)));
        }
    }

    [Fact]
    public async Task A_wider_subnet_set_by_hand_racing_a_claim_never_overlaps_it()
    {
        // The /23 and the /24 leases have different names, so the API server's name lock alone lets both creates
        // succeed: the check after the create must make one of them back off.
        for (var round = 0; round < 30; round++)
        {
            var api = new FakeNodeApi();
            var hand = IPNetwork.Parse("172.20.0.0/23");
            var hold = Allocator(api).HoldAsync("hand", hand, CancellationToken.None);
            var claim = Allocator(api).ClaimAsync("auto", Range, 24, [], CancellationToken.None);
            var holder = await hold;
            var claimed = await claim;
            var held = api.Leases.Select(l => (l.Holder, Subnet: ClusterNames.SubnetOf(l.Name)!.Value)).ToList();
            Assert.DoesNotContain(held, a => held.Any(b => a.Holder != b.Holder && SubnetAllocator.Overlaps(a.Subnet, b.Subnet)));
            Assert.Contains(held, l => l.Holder == "auto" && l.Subnet == claimed);
            if (holder is null)
            {
                Assert.False(SubnetAllocator.Overlaps(hand, claimed));
            }
            else
            {
                Assert.Equal("auto", holder);
            }
        }
    }

    [Fact]
    public async Task A_subnet_released_while_taking_it_is_a_transient_failure_not_a_conflict()
    {
        var api = new FakeNodeApi();
        api.PutLease(new SubnetLease("vm-subnet-172-20-5-0-24", "gone", null, null, null));
        api.AfterConflict = _ => { }; // the lease is released between the refused create and the read
        var e = await Assert.ThrowsAsync<InvalidOperationException>(() =>
            Allocator(api).HoldAsync("me", IPNetwork.Parse("172.20.5.0/24"), CancellationToken.None));
        Assert.Contains("was released", e.Message, StringComparison.Ordinal);
        api.AfterConflict = null;
        Assert.Null(await Allocator(api).HoldAsync("me", IPNetwork.Parse("172.20.5.0/24"), CancellationToken.None));
    }
}
