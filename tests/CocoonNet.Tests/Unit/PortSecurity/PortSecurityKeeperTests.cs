using System.Net;
using CocoonNet.Host.Agent;
using CocoonNet.Host.Agent.PortSecurity;
using CocoonNet.Node.Pipeline;
using CocoonNet.Node.Engine;
using CocoonNet.Node.Leases;
using CocoonNet.Node.Linux.Netlink;
using CocoonNet.Node.PortSecurity;
using CocoonNet.Node.State;
using Microsoft.Extensions.Logging.Abstractions;

namespace CocoonNet.Tests.Unit.PortSecurity;

/// <summary>The agent's upkeep of the lease and port sets: what it writes, as kernel keys, and when it writes nothing.</summary>
public sealed class PortSecurityKeeperTests
{
    private sealed class RecordingSets : INftSetWriter
    {
        public List<IReadOnlyList<NftSetElement>> Batches { get; } = [];

        public bool NoTable { get; set; }

        public void Apply(IReadOnlyList<NftSetElement> elements)
        {
            if (NoTable)
            {
                throw new NetlinkException("no table", Errno.NoEntry);
            }

            Batches.Add(elements);
        }
    }

    private readonly FakeNftables _nft = new() { TablePresent = true };
    private readonly RecordingSets _sets = new();
    private readonly NodeChanges _changes = new();

    private PortSecurityKeeper Keeper(bool? antiSpoofing = null)
    {
        _changes.Publish(NodeTarget.Of(
            new PoolState { Subnet = "172.20.0.0/24", Ips = ["172.20.0.2", "172.20.0.3"], AntiSpoofing = antiSpoofing },
            DhcpServiceMode.Process,
            "/unused"));
        return new PortSecurityKeeper(_nft, _sets, _changes, NullLoggerFactory.Instance);
    }

    private static string Describe(NftSetElement e) => $"{(e.Add ? "+" : "-")}{e.Set}:{Convert.ToHexString(e.Key)}";

    [Fact]
    public async Task A_grant_is_one_element_whose_key_is_the_mac_in_two_registers_then_the_address()
    {
        using var keeper = Keeper();
        await keeper.AdmitAsync("02:C0:C0:00:00:5A", IPAddress.Parse("172.20.0.2"), CancellationToken.None);
        var batch = Assert.Single(_sets.Batches);
        Assert.Equal(["+leases:02C0C000005A0000AC140002"], batch.Select(Describe));
    }

    [Fact]
    public async Task Nothing_is_written_while_anti_spoofing_is_off_or_before_the_node_is_read()
    {
        using var off = Keeper(antiSpoofing: false);
        await off.AdmitAsync("02:c0:c0:00:00:5a", IPAddress.Parse("172.20.0.2"), CancellationToken.None);
        await off.PortAttachedAsync("veth1", CancellationToken.None);
        using var unread = new PortSecurityKeeper(_nft, _sets, new NodeChanges(), NullLoggerFactory.Instance);
        await unread.AdmitAsync("02:c0:c0:00:00:5a", IPAddress.Parse("172.20.0.2"), CancellationToken.None);
        Assert.Empty(_sets.Batches);
    }

    [Fact]
    public async Task A_gone_port_leaves_the_set_with_its_bindings_and_an_ended_lease_with_its_macs()
    {
        _nft.PortMacs.AddRange(["veth1 . 02:c0:c0:00:00:5a", "veth2 . 02:c0:c0:00:00:5b"]);
        using var keeper = Keeper();
        await keeper.PortDetachedAsync("veth1", CancellationToken.None);
        var ifname = Convert.ToHexString("veth1"u8) + new string('0', 22);
        Assert.Equal(
            [
                $"+vm_ports:{ifname}", $"-vm_ports:{ifname}",
                $"+port_macs:{ifname}02C0C000005A0000", $"-port_macs:{ifname}02C0C000005A0000",
                "+bound_macs:02C0C000005A", "-bound_macs:02C0C000005A",
                $"+bound_ports:{ifname}", $"-bound_ports:{ifname}",
            ],
            Assert.Single(_sets.Batches).Select(Describe));

        _sets.Batches.Clear();
        await keeper.RevokeAsync("02:c0:c0:00:00:5b", IPAddress.Parse("172.20.0.3"), CancellationToken.None);
        var revoked = Assert.Single(_sets.Batches).Select(Describe).ToList();
        Assert.Equal(["+leases:02C0C000005B0000AC140003", "-leases:02C0C000005B0000AC140003"], revoked.Take(2));
        Assert.Contains("-bound_macs:02C0C000005B", revoked);
        Assert.DoesNotContain(revoked, r => r.Contains("02C0C000005A", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Lease_sync_reads_the_live_set_once_then_writes_only_differences()
    {
        _nft.Leases.Add("02:c0:c0:00:00:5a . 172.20.0.2");
        using var keeper = Keeper();
        var a = new Lease("02:c0:c0:00:00:5a", IPAddress.Parse("172.20.0.2"), DateTimeOffset.UtcNow.AddHours(1));
        var b = new Lease("02:c0:c0:00:00:5b", IPAddress.Parse("172.20.0.3"), DateTimeOffset.UtcNow.AddHours(1));
        await keeper.SyncLeasesAsync([a], CancellationToken.None);
        Assert.Empty(_sets.Batches);

        _nft.TablePresent = false; // no read from here on: the keeper remembers what it wrote
        await keeper.SyncLeasesAsync([a, b], CancellationToken.None);
        Assert.Equal(["+leases:02C0C000005B0000AC140003"], Assert.Single(_sets.Batches).Select(Describe));
    }

    [Fact]
    public async Task A_missing_table_is_left_to_the_next_reconcile()
    {
        _sets.NoTable = true;
        using var keeper = Keeper();
        await keeper.AdmitAsync("02:c0:c0:00:00:5a", IPAddress.Parse("172.20.0.2"), CancellationToken.None);
        await keeper.PortAttachedAsync("veth1", CancellationToken.None);
        Assert.Empty(_sets.Batches);
    }
}
