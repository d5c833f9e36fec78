using System.Net;
using CocoonNet.Host.Kubernetes;
using CocoonNet.Kubernetes.Tests.Support;
using CocoonNet.Tests.Support;
using k8s;
using Microsoft.Extensions.Logging.Abstractions;

namespace CocoonNet.Kubernetes.Tests.Agent;

/// <summary>Fleet subnet allocation against the emulator, through the agent's own API code (KubernetesClient).</summary>
[NeedsBuild]
public sealed class SubnetAllocationTests
{
    private static readonly IPNetwork Range = IPNetwork.Parse("172.20.0.0/16");

    private static KubernetesNodeApi Api(KubeEmulator emulator) =>
        new(new k8s.Kubernetes(KubernetesClientConfiguration.BuildConfigFromConfigFile(emulator.KubeconfigPath)), TimeProvider.System, NullLogger.Instance);

    [Fact]
    public async Task Twenty_racing_nodes_each_with_its_own_client_never_share_a_subnet_despite_faults()
    {
        await using var emulator = await KubeEmulator.StartAsync();
        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        // Faults on the lease calls: injected conflicts on create (read as "taken"), throttling with Retry-After, 5xx.
        await emulator.FailAsync(409, count: 5, verb: "create", path: "/apis/coordination.k8s.io/v1/namespaces/cocoon-net/leases");
        await emulator.FailAsync(429, count: 5, verb: "create", retryAfterSeconds: 1);
        await emulator.FailAsync(500, count: 5, verb: "list");
        await emulator.FailAsync(503, count: 5, verb: "get");
        var apis = Enumerable.Range(0, 20).Select(_ => Api(emulator)).ToList();
        try
        {
            var claims = await Task.WhenAll(apis.Select((api, i) => Task.Run(() =>
                new SubnetAllocator(api, "cocoon-net", TimeProvider.System, NullLogger.Instance).ClaimAsync($"node-{i}", Range, 24, [], cts.Token))));
            Assert.Equal(20, claims.Distinct().Count());
            // Every injected fault was met (and retried, or read as "taken"), not skipped by luck.
            var answered = (await emulator.RequestsAsync()).Select(r => r.Status).ToList();
            Assert.All((int[])[409, 429, 500, 503], status => Assert.Contains(status, answered));

            using var client = emulator.Client();
            var leases = (await client.CoordinationV1.ListNamespacedLeaseAsync("cocoon-net", cancellationToken: cts.Token)).Items;
            Assert.Equal(20, leases.Count);
            Assert.Equal(20, leases.Select(l => l.Spec.HolderIdentity).Distinct().Count());
            for (var i = 0; i < 20; i++)
            {
                var lease = Assert.Single(leases, l => l.Spec.HolderIdentity == $"node-{i}");
                Assert.Equal(ClusterNames.LeaseName(claims[i]), lease.Metadata.Name);
                Assert.Equal("true", lease.Metadata.Labels["cocoonstack.io/vm-subnet-lease"]);
            }
        }
        finally
        {
            apis.ForEach(a => a.Dispose());
        }
    }

    [Fact]
    public async Task Teardown_release_deletes_only_this_nodes_lease_and_gc_an_orphans_after_the_grace()
    {
        await using var emulator = await KubeEmulator.StartAsync();
        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        using var api = Api(emulator);
        using var client = emulator.Client();
        await client.CoreV1.CreateNodeAsync(new k8s.Models.V1Node { Metadata = new k8s.Models.V1ObjectMeta { Name = "alive" } }, cancellationToken: cts.Token);
        var allocator = new SubnetAllocator(api, "cocoon-net", TimeProvider.System, NullLogger.Instance);
        await allocator.ClaimAsync("me", Range, 24, [], cts.Token);
        await allocator.ClaimAsync("alive", Range, 24, [], cts.Token);
        await allocator.ClaimAsync("gone", Range, 24, [], cts.Token);

        var keeper = new LeaseKeeper(api, "cocoon-net", TimeProvider.System, NullLogger.Instance);
        Assert.Equal(0, await keeper.CollectAsync("me", TimeSpan.FromMinutes(10), cts.Token)); // within the grace
        await Task.Delay(1200, cts.Token);
        Assert.Equal(1, await keeper.CollectAsync("me", TimeSpan.FromSeconds(1), cts.Token));
        Assert.Equal(["vm-subnet-172-20-0-0-24"], await keeper.ReleaseAsync("me", cts.Token));
        var left = (await client.CoordinationV1.ListNamespacedLeaseAsync("cocoon-net", cancellationToken: cts.Token)).Items;
        Assert.Equal("alive", Assert.Single(left).Spec.HolderIdentity);
    }

    [Fact]
    public async Task A_missing_lease_namespace_is_one_clear_error_not_a_full_range()
    {
        await using var emulator = await KubeEmulator.StartAsync();
        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        using var api = Api(emulator);
        // What the API server answers a create in a namespace that does not exist (a list there is 200, empty).
        await emulator.FailAsync(404, count: 100, verb: "create", path: "/apis/coordination.k8s.io/v1/namespaces/nowhere/leases",
            message: "namespaces \"nowhere\" not found");
        var allocator = new SubnetAllocator(api, "nowhere", TimeProvider.System, NullLogger.Instance);
        var e = await Assert.ThrowsAsync<InvalidOperationException>(() => allocator.ClaimAsync("me", Range, 24, [], cts.Token));
        Assert.StartsWith("namespace nowhere for the subnet leases does not exist", e.Message, StringComparison.Ordinal);
        Assert.Equal(1, await emulator.CountAsync("create", "/apis/coordination.k8s.io/v1/namespaces/nowhere/leases"));
    }
}
