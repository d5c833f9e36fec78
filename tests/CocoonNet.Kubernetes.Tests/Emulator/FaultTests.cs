using System.Net;
using CocoonNet.Kubernetes.Tests.Support;
using CocoonNet.Tests.Support;
using k8s;
using k8s.Autorest;
using k8s.Models;

namespace CocoonNet.Kubernetes.Tests.Emulator;

/// <summary>The fault switches, watch endings and events, seen through the official client.</summary>
[NeedsBuild]
public sealed class FaultTests
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(30);

    private static V1Node Node(string name) => new() { Metadata = new V1ObjectMeta { Name = name } };

    [Fact]
    public async Task A_429_carries_Retry_After_and_only_the_chosen_requests_fail()
    {
        await using var emulator = await KubeEmulator.StartAsync();
        using var client = emulator.Client();
        await client.CoreV1.CreateNodeAsync(Node("node-1"));
        await emulator.FailAsync(429, count: 1, verb: "get", path: "/api/v1/nodes/node-1", retryAfterSeconds: 3);

        await client.CoreV1.ListNodeAsync(); // another verb: not affected
        var e = await Assert.ThrowsAsync<HttpOperationException>(() => client.CoreV1.ReadNodeAsync("node-1"));
        Assert.Equal(HttpStatusCode.TooManyRequests, e.Response.StatusCode);
        Assert.Equal(["3"], e.Response.Headers["Retry-After"]);
        Assert.Contains("\"retryAfterSeconds\":3", e.Response.Content, StringComparison.Ordinal);
        Assert.Equal("node-1", (await client.CoreV1.ReadNodeAsync("node-1")).Metadata.Name);

        await emulator.FailAsync(503, count: 2, verb: "patch");
        for (var i = 0; i < 2; i++)
        {
            var unavailable = await Assert.ThrowsAsync<HttpOperationException>(() => client.CoreV1.PatchNodeAsync(new V1Patch("{}", V1Patch.PatchType.MergePatch), "node-1"));
            Assert.Equal(HttpStatusCode.ServiceUnavailable, unavailable.Response.StatusCode);
        }

        await client.CoreV1.PatchNodeAsync(new V1Patch("{}", V1Patch.PatchType.MergePatch), "node-1");
        Assert.Equal(2, await emulator.CountAsync("get", "/api/v1/nodes/node-1"));
        Assert.Equal(3, await emulator.CountAsync("patch", "/api/v1/nodes/node-1"));
        Assert.Equal([429, 200], (await emulator.RequestsAsync()).Where(r => r.Verb == "get").Select(r => r.Status));
    }

    [Fact]
    public async Task A_dropped_watch_ends_the_stream_after_the_chosen_number_of_events()
    {
        await using var emulator = await KubeEmulator.StartAsync();
        using var client = emulator.Client();
        await client.CoreV1.CreateNodeAsync(Node("node-1"));
        await client.CoreV1.CreateNodeAsync(Node("node-2"));
        await emulator.DropWatchAsync(afterEvents: 1);

        using var cts = new CancellationTokenSource(Limit);
        var events = new List<WatchEventType>();
        Exception? error = null;
        try
        {
            var watch = client.CoreV1.WatchListNodeAsync(onError: e => error = e, cancellationToken: cts.Token);
            await foreach (var (type, _) in watch)
            {
                events.Add(type);
            }
        }
        catch (Exception e) when (e is IOException or HttpRequestException)
        {
            error = e;
        }

        Assert.False(cts.IsCancellationRequested, "the watch did not end when its connection was dropped");
        Assert.Equal([WatchEventType.Added], events);
        _ = error; // the client may end quietly or report the broken stream; either way the stream is over

        // The next watch is not dropped: both nodes, then the server's timeoutSeconds ends it cleanly.
        var again = new List<WatchEventType>();
        var next = client.CoreV1.WatchListNodeAsync(timeoutSeconds: 1, cancellationToken: cts.Token);
        await foreach (var (type, _) in next)
        {
            again.Add(type);
        }

        Assert.Equal([WatchEventType.Added, WatchEventType.Added], again);
    }

    [Fact]
    public async Task Injected_409_and_500_answer_a_Status_with_the_code_s_reason_for_the_chosen_verb_and_path()
    {
        await using var emulator = await KubeEmulator.StartAsync();
        using var client = emulator.Client();
        const string Leases = "/apis/coordination.k8s.io/v1/namespaces/cocoon-net/leases";
        await emulator.FailAsync(409, verb: "create", path: Leases);
        await emulator.FailAsync(500, verb: "create", path: Leases, message: "etcdserver: request timed out");
        var lease = new V1Lease { Metadata = new V1ObjectMeta { Name = "vm-subnet-172-20-3-0-24" }, Spec = new V1LeaseSpec { HolderIdentity = "node-1" } };

        var conflict = await Assert.ThrowsAsync<HttpOperationException>(() => client.CoordinationV1.CreateNamespacedLeaseAsync(lease, "cocoon-net"));
        Assert.Equal(HttpStatusCode.Conflict, conflict.Response.StatusCode);
        Assert.Contains("\"reason\":\"Conflict\"", conflict.Response.Content, StringComparison.Ordinal);
        var internalError = await Assert.ThrowsAsync<HttpOperationException>(() => client.CoordinationV1.CreateNamespacedLeaseAsync(lease, "cocoon-net"));
        Assert.Equal(HttpStatusCode.InternalServerError, internalError.Response.StatusCode);
        Assert.Contains("etcdserver: request timed out", internalError.Response.Content, StringComparison.Ordinal);

        await client.CoordinationV1.CreateNamespacedLeaseAsync(lease, "cocoon-net");
        Assert.Equal(3, await emulator.CountAsync("create", Leases));
    }

    [Fact]
    public async Task An_idle_watch_with_bookmarks_gets_BOOKMARK_events()
    {
        await using var emulator = await KubeEmulator.StartAsync("--BookmarkSeconds", "1");
        using var client = emulator.Client();
        await client.CoreV1.CreateNodeAsync(Node("node-1"));
        using var cts = new CancellationTokenSource(Limit);

        var events = new List<(WatchEventType Type, string ResourceVersion)>();
        await foreach (var (type, node) in client.CoreV1.WatchListNodeAsync(allowWatchBookmarks: true, timeoutSeconds: 3, cancellationToken: cts.Token))
        {
            events.Add((type, node.Metadata.ResourceVersion));
        }

        Assert.Equal(WatchEventType.Added, events[0].Type);
        Assert.Contains(events, e => e.Type == WatchEventType.Bookmark && !string.IsNullOrEmpty(e.ResourceVersion));
    }

    [Fact]
    public async Task A_watch_from_a_compacted_resourceVersion_gets_410_Expired()
    {
        await using var emulator = await KubeEmulator.StartAsync();
        using var client = emulator.Client();
        var created = await client.CoreV1.CreateNodeAsync(Node("node-1"));
        await client.CoreV1.PatchNodeAsync(new V1Patch("""{"metadata":{"labels":{"a":"b"}}}""", V1Patch.PatchType.MergePatch), "node-1");
        await emulator.CompactAsync();

        using var cts = new CancellationTokenSource(Limit);
        var errors = new List<Exception>();
        var events = new List<WatchEventType>();
        var watch = client.CoreV1.WatchListNodeAsync(resourceVersion: created.Metadata.ResourceVersion, onError: errors.Add, cancellationToken: cts.Token);
        await foreach (var (type, _) in watch)
        {
            events.Add(type);
        }

        var expired = Assert.IsType<KubernetesException>(Assert.Single(errors));
        Assert.Equal(410, expired.Status.Code);
        Assert.Equal("Expired", expired.Status.Reason);
        Assert.Empty(events);
    }

    [Fact]
    public async Task Unreachable_closes_connections_until_switched_back_and_latency_delays_answers()
    {
        await using var emulator = await KubeEmulator.StartAsync();
        using var client = emulator.Client();
        await emulator.UnreachableAsync(true);
        await Assert.ThrowsAsync<HttpRequestException>(() => client.CoreV1.ListNodeAsync());
        await emulator.UnreachableAsync(false);
        Assert.Empty((await client.CoreV1.ListNodeAsync()).Items);

        await emulator.LatencyAsync(300);
        var started = DateTime.UtcNow;
        await client.CoreV1.ListNodeAsync();
        Assert.True(DateTime.UtcNow - started >= TimeSpan.FromMilliseconds(250));
        await emulator.ClearFaultsAsync();
    }

    [Fact]
    public async Task Events_are_created_and_listed_in_their_namespace_and_reset_clears_everything()
    {
        await using var emulator = await KubeEmulator.StartAsync();
        using var client = emulator.Client();
        await client.CoreV1.CreateNamespacedEventAsync(new Corev1Event
        {
            Metadata = new V1ObjectMeta { GenerateName = "node-1." },
            InvolvedObject = new V1ObjectReference { Kind = "Node", Name = "node-1" },
            Reason = "SubnetAllocated",
            Message = "172.20.3.0/24",
            Type = "Normal",
        }, "default");
        await client.EventsV1.CreateNamespacedEventAsync(new Eventsv1Event
        {
            Metadata = new V1ObjectMeta { Name = "node-1.a" },
            EventTime = DateTime.UtcNow,
            Reason = "SubnetAllocated",
            Action = "Allocate",
            ReportingController = "cocoonstack.io/cocoon-net",
            ReportingInstance = "node-1",
        }, "default");

        var events = await client.CoreV1.ListNamespacedEventAsync("default");
        var one = Assert.Single(events.Items);
        Assert.StartsWith("node-1.", one.Metadata.Name, StringComparison.Ordinal);
        Assert.Equal("SubnetAllocated", one.Reason);
        Assert.Empty((await client.CoreV1.ListNamespacedEventAsync("other")).Items);
        Assert.Single((await client.EventsV1.ListNamespacedEventAsync("default")).Items);

        await emulator.ResetAsync();
        Assert.Empty((await client.CoreV1.ListNamespacedEventAsync("default")).Items);
        Assert.Equal(["list"], (await emulator.RequestsAsync()).Select(r => r.Verb)); // only the one after the reset
    }
}
