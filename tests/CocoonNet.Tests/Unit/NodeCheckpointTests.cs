using CocoonNet.Node.Engine;
using CocoonNet.Node.Pipeline;
using CocoonNet.Node.State;

namespace CocoonNet.Tests.Unit;

/// <summary>
/// The one owner of pool.json: it writes only when the content changes, and a caller that keeps the node in memory
/// takes the state lock only when a write is due, once per run.
/// </summary>
public sealed class NodeCheckpointTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("cocoon-checkpoint-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private static PoolState Node() => new()
    {
        Platform = "generic",
        NodeName = "n",
        Subnet = "172.20.0.0/24",
        Gateway = "172.20.0.1",
        Ips = ["172.20.0.2"],
        Mode = PoolState.ModeAdopt,
        Host = new HostFootprint { BridgeCreated = true },
    };

    [Fact]
    public async Task A_run_in_memory_takes_the_lock_only_when_the_footprint_moves_and_releases_it_at_its_end()
    {
        var store = new PoolStateStore(Path.Combine(_root, "state"), TimeProvider.System);
        var saved = store.Save(Node(), null);
        var locks = 0;
        var released = 0;
        var checkpoint = new NodeCheckpoint(store, saved, saved, _ =>
        {
            locks++;
            return Task.FromResult<IDisposable>(new Release(() => released++));
        });

        await checkpoint.SaveAsync(CancellationToken.None);
        await checkpoint.SaveIfChangedAsync(CancellationToken.None);
        Assert.Equal(0, locks);
        Assert.Null(checkpoint.PendingChange());

        checkpoint.Footprint.BridgeAddress = "172.20.0.1/24";
        await checkpoint.SaveIfChangedAsync(CancellationToken.None);
        checkpoint.Footprint.Iptables = true;
        await checkpoint.SaveIfChangedAsync(CancellationToken.None);
        checkpoint.EndRun();

        Assert.Equal(1, locks);
        Assert.Equal(1, released);
        Assert.Equal(new HostFootprint { BridgeCreated = true, BridgeAddress = "172.20.0.1/24", Iptables = true }, store.Load()!.Host);
        Assert.Equal(checkpoint.Saved!.Host, store.Load()!.Host);
    }

    [Fact]
    public async Task A_fresh_node_is_written_in_full_and_its_first_cloud_checkpoint_has_no_addresses()
    {
        var store = new PoolStateStore(Path.Combine(_root, "state"), TimeProvider.System);
        var checkpoint = new NodeCheckpoint(store, null, Node() with { Host = new HostFootprint() });
        Assert.Equal($"+ write {store.Path}", checkpoint.PendingChange());

        await checkpoint.SaveResourcesAsync(CocoonNet.Abstractions.CloudResources.None.WithValue("subnetID", "s-1"), CancellationToken.None);
        Assert.Null(store.Load()!.Ips);
        Assert.Equal("s-1", store.Load()!.SubnetId);
        Assert.Equal($"~ update {store.Path}", checkpoint.PendingChange());

        checkpoint.Delete();
        Assert.Null(store.Load());
    }

    private sealed class Release(Action release) : IDisposable
    {
        public void Dispose() => release();
    }
}
