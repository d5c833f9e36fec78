using System.Net;
using CocoonNet.Host.Agent;
using CocoonNet.Host.Agent.Drift;
using CocoonNet.Node.Linux;
using CocoonNet.Node.Linux.Netlink;
using CocoonNet.Tests.Support;
using Microsoft.Extensions.Logging.Abstractions;

namespace CocoonNet.Tests.Integration;

/// <summary>
/// The drift watcher on a real kernel: a node adopted in a namespace, the watcher subscribed there, then the
/// changes the agent must notice (a deleted /32 route, the bridge, its address or its up state, an ENI NIC set down,
/// any local-table route inside the VM subnet on a device other than cni0) made with ip(8). Each must give
/// exactly its batch; unrelated changes and the agent's own repairs none (a later drift's batch would carry them).
/// </summary>
[Collection(NamespaceCollection.Name)]
public sealed class DriftWatcherInNamespacesTests
{
    private static readonly string[] Adopt = ["adopt", "--node-name", "sandbox", "--subnet", "172.20.0.0/24", "--pool-size", "4", "--manage-iptables"];

    [PrivilegedFact]
    public async Task Each_drift_gives_its_batch_and_unrelated_changes_and_own_repairs_give_none()
    {
        using var sandbox = new Sandbox();
        var node = sandbox.Node;
        Assert.Equal(0, sandbox.CocoonNet(Adopt).ExitCode);
        sandbox.InNamespace(node, "ip", "link", "add", "eni1", "type", "veth", "peer", "name", "eni1p");
        sandbox.InNamespace(node, "ip", "link", "set", "eni1", "up");
        var scope = new DriftScope(
            IPNetwork.Parse("172.20.0.0/24"),
            Enumerable.Range(2, 4).Select(i => IPAddress.Parse($"172.20.0.{i}")).ToList(),
            "cni0",
            ["eni1"]);

        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(60)); // a hang guard, not a timing assert
        var watcher = new NetlinkDriftWatcher(TimeProvider.System, NullLogger<NetlinkDriftWatcher>.Instance);
        var batches = NetworkNamespace.Run(node, () => watcher.WatchAsync(scope, stop.Token)).GetAsyncEnumerator(stop.Token);
        try
        {
            async Task<RepairBatch> Next()
            {
                Assert.True(await batches.MoveNextAsync(), "the watcher ended");
                return batches.Current;
            }

            void Ip(params string[] arguments) => sandbox.InNamespace(node, "ip", arguments);

            // Unrelated: a route elsewhere, a link outside the scope set down. Then a pool route deleted.
            Ip("route", "add", "198.51.100.0/24", "via", "203.0.113.1");
            Ip("link", "set", "eni1p", "down");
            Ip("route", "del", "172.20.0.3/32", "dev", "cni0");
            var route = await Next();
            Assert.Equal(RepairScope.Routes, route.Scope);
            Assert.Equal(["route"], route.Objects);

            // The agent's repair (its own route back) gives nothing; a backend NIC set down does.
            Ip("route", "replace", "172.20.0.3/32", "dev", "cni0", "proto", "204", "scope", "link");
            Ip("link", "set", "eni1", "down");
            var nic = await Next();
            Assert.Equal(RepairScope.Nics, nic.Scope);
            Assert.Equal(["nic"], nic.Objects);
            Ip("link", "set", "eni1", "up");

            // A guest agent's local route for the VM range on the uplink; its removal by the agent gives nothing.
            Ip("route", "add", "local", "172.20.0.0/24", "dev", "up0", "table", "local", "proto", "66");
            var local = await Next();
            Assert.Equal(RepairScope.ForeignLocalRoutes, local.Scope);
            Assert.Equal(["local-route"], local.Objects);
            Ip("route", "del", "local", "172.20.0.0/24", "dev", "up0", "table", "local");

            // The bridge's address removed, then put back by the agent.
            Ip("addr", "del", "172.20.0.1/24", "dev", "cni0");
            var address = await Next();
            Assert.Equal(RepairScope.Bridge, address.Scope);
            Assert.Equal(["address"], address.Objects);
            Ip("addr", "add", "172.20.0.1/24", "dev", "cni0");

            // The bridge set down (its routes go with it, silently): a bridge batch.
            Ip("link", "set", "cni0", "down");
            var down = await Next();
            Assert.True(down.Scope.HasFlag(RepairScope.Bridge), down.ToString());
            Assert.Contains("bridge", down.Objects);
            Ip("link", "set", "cni0", "up");

            // The bridge deleted, then re-created by the agent's own code (down at birth, then up, address,
            // routes): only the deletion is drift; the next batch is the NIC's alone.
            Ip("link", "del", "cni0");
            var deleted = await Next();
            Assert.True(deleted.Scope.HasFlag(RepairScope.Bridge), deleted.ToString());
            Assert.Contains("bridge", deleted.Objects);
            NetworkNamespace.Run(node, () =>
            {
                using var kernel = new NetlinkKernelNetwork();
                kernel.CreateBridge("cni0");
                var index = kernel.ListLinks().Single(l => l.Name == "cni0").Index;
                kernel.SetLinkUp(index);
                kernel.AddAddress(index, IPAddress.Parse("172.20.0.1"), 24);
                kernel.ReplaceRoutes(scope.Ips.Select(ip => new RouteInfo(
                    ip, 32, index, RouteConstants.TableMain, RouteConstants.ProtocolCocoonNet, RouteConstants.ScopeLink, RouteConstants.TypeUnicast)).ToList());
                return index;
            });
            Ip("link", "set", "eni1", "down");
            var sentinel = await Next();
            Assert.Equal(RepairScope.Nics, sentinel.Scope);
            Assert.Equal(["nic"], sentinel.Objects);
        }
        finally
        {
            await stop.CancelAsync();
            await batches.DisposeAsync();
        }
    }

    [PrivilegedFact]
    public async Task An_object_that_keeps_drifting_back_is_held_and_repaired_again_when_its_hold_ends()
    {
        using var sandbox = new Sandbox();
        var node = sandbox.Node;
        Assert.Equal(0, sandbox.CocoonNet(Adopt).ExitCode);
        sandbox.InNamespace(node, "ip", "link", "add", "eni1", "type", "veth", "peer", "name", "eni1p");
        var scope = new DriftScope(
            IPNetwork.Parse("172.20.0.0/24"), Enumerable.Range(2, 4).Select(i => IPAddress.Parse($"172.20.0.{i}")).ToList(), "cni0", ["eni1"]);
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var watcher = new NetlinkDriftWatcher(TimeProvider.System, NullLogger<NetlinkDriftWatcher>.Instance)
        {
            Flaps = new FlapGuard(TimeProvider.System, limit: 1, baseBackoff: TimeSpan.FromSeconds(1)),
        };
        var batches = NetworkNamespace.Run(node, () => watcher.WatchAsync(scope, stop.Token)).GetAsyncEnumerator(stop.Token);
        try
        {
            async Task<RepairBatch> Next()
            {
                Assert.True(await batches.MoveNextAsync(), "the watcher ended");
                return batches.Current;
            }

            void Ip(params string[] arguments) => sandbox.InNamespace(node, "ip", arguments);

            Ip("route", "del", "172.20.0.3/32", "dev", "cni0");
            Assert.Equal(["route"], (await Next()).Objects);
            Ip("route", "replace", "172.20.0.3/32", "dev", "cni0", "proto", "204", "scope", "link");

            // Deleted again within the minute: over the limit, so held, and said at once by an empty batch.
            Ip("route", "del", "172.20.0.3/32", "dev", "cni0");
            var held = await Next();
            Assert.Equal(RepairScope.None, held.Scope);
            Assert.Empty(held.Objects);
            Assert.Contains("route 172.20.0.3/32", watcher.Flaps.Holding.Keys);

            // The NIC seen after it is not held.
            Ip("link", "set", "eni1", "up");
            Ip("link", "set", "eni1", "down");
            Assert.Equal(["nic"], (await Next()).Objects);

            // When the hold ends the route, still missing, is handed out again.
            var again = await Next();
            Assert.Equal(RepairScope.Routes, again.Scope);
            Assert.Equal(["route"], again.Objects);
        }
        finally
        {
            await stop.CancelAsync();
            await batches.DisposeAsync();
        }
    }

    [PrivilegedFact]
    public async Task Lost_notifications_give_one_batch_of_every_scope()
    {
        using var sandbox = new Sandbox();
        var node = sandbox.Node;
        var scope = new DriftScope(IPNetwork.Parse("172.20.0.0/24"), [IPAddress.Parse("172.20.0.2")], "cni0", []);
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var watcher = new NetlinkDriftWatcher(TimeProvider.System, NullLogger<NetlinkDriftWatcher>.Instance) { ReceiveBufferBytes = 4096 };
        var batches = NetworkNamespace.Run(node, () => watcher.WatchAsync(scope, stop.Token)).GetAsyncEnumerator(stop.Token);
        try
        {
            // Subscribed but not reading yet: a flood of unrelated routes overflows the small buffer.
            var batch = Path.Combine(sandbox.Root, "routes.batch");
            await File.WriteAllLinesAsync(batch, Enumerable.Range(0, 500).Select(i => $"route add 10.99.{i / 250}.{i % 250}/32 dev up0"));
            sandbox.InNamespace(node, "ip", "-batch", batch);

            Assert.True(await batches.MoveNextAsync());
            Assert.Equal(NetlinkDriftWatcher.Everything, batches.Current.Scope);
            Assert.Empty(batches.Current.Objects);
        }
        finally
        {
            await stop.CancelAsync();
            await batches.DisposeAsync();
        }
    }
}
