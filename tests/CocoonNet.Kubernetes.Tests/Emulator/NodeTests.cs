using CocoonNet.Kubernetes.Tests.Support;
using CocoonNet.Tests.Support;
using k8s;
using k8s.Models;

namespace CocoonNet.Kubernetes.Tests.Emulator;

/// <summary>Nodes through the official client: create/get/watch, the three patch types, /status isolation, PUT conflicts.</summary>
[NeedsBuild]
public sealed class NodeTests
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(30);

    private static V1Node Node(string name, params V1NodeCondition[] conditions) => new()
    {
        Metadata = new V1ObjectMeta { Name = name, Labels = new Dictionary<string, string> { ["cocoonstack.io/vm-node"] = "true" } },
        Status = new V1NodeStatus { Conditions = conditions, Capacity = new Dictionary<string, ResourceQuantity> { ["cpu"] = new("4") } },
    };

    [Fact]
    public async Task A_created_node_gets_system_fields_and_a_watch_sees_MODIFIED_after_an_annotation_patch()
    {
        await using var emulator = await KubeEmulator.StartAsync();
        using var client = emulator.Client();
        using var cts = new CancellationTokenSource(Limit);

        var created = await client.CoreV1.CreateNodeAsync(Node("node-1"), cancellationToken: cts.Token);
        await client.CoreV1.CreateNodeAsync(Node("node-2"), cancellationToken: cts.Token);
        Assert.False(string.IsNullOrEmpty(created.Metadata.Uid));
        Assert.NotNull(created.Metadata.CreationTimestamp);
        Assert.False(string.IsNullOrEmpty(created.Metadata.ResourceVersion));
        Assert.Equal(created.Metadata.Uid, (await client.CoreV1.ReadNodeAsync("node-1", cancellationToken: cts.Token)).Metadata.Uid);

        // No resourceVersion: the current state as ADDED first, then live changes; the field selector keeps node-2 out.
        var seen = new List<(WatchEventType Type, V1Node Node)>();
        var watch = client.CoreV1.WatchListNodeAsync(fieldSelector: "metadata.name=node-1", cancellationToken: cts.Token);
        await foreach (var (type, node) in watch)
        {
            seen.Add((type, node));
            if (type == WatchEventType.Added)
            {
                var patch = new V1Patch("""{"metadata":{"annotations":{"cocoonstack.io/vm-subnet":"172.20.3.0/24"}}}""", V1Patch.PatchType.MergePatch);
                await client.CoreV1.PatchNodeAsync(patch, "node-1", cancellationToken: cts.Token);
                await client.CoreV1.PatchNodeAsync(patch, "node-2", cancellationToken: cts.Token);
            }
            else
            {
                break;
            }
        }

        Assert.Equal([WatchEventType.Added, WatchEventType.Modified], seen.Select(s => s.Type));
        Assert.All(seen, s => Assert.Equal("node-1", s.Node.Metadata.Name));
        Assert.Equal("172.20.3.0/24", seen[1].Node.Metadata.Annotations["cocoonstack.io/vm-subnet"]);
        Assert.True(long.Parse(seen[1].Node.Metadata.ResourceVersion) > long.Parse(created.Metadata.ResourceVersion));

        // From a resourceVersion: exactly the changes after it (node-2's patch is filtered out by the label selector this time).
        await client.CoreV1.PatchNodeAsync(new V1Patch("""{"metadata":{"labels":{"cocoonstack.io/vm-node":"false"}}}""", V1Patch.PatchType.MergePatch), "node-2", cancellationToken: cts.Token);
        var resumed = client.CoreV1.WatchListNodeAsync(labelSelector: "cocoonstack.io/vm-node=true", resourceVersion: created.Metadata.ResourceVersion,
            timeoutSeconds: 1, cancellationToken: cts.Token);
        var replay = new List<string>();
        await foreach (var (type, node) in resumed)
        {
            replay.Add($"{type} {node.Metadata.Name}");
        }

        // node-2 was created, annotated, then left the selector: it shows as ADDED, MODIFIED, then DELETED for this watch.
        Assert.Equal(["Added node-2", "Modified node-1", "Modified node-2", "Deleted node-2"], replay);
    }

    [Fact]
    public async Task A_strategic_merge_of_conditions_merges_by_type_and_keeps_the_others()
    {
        await using var emulator = await KubeEmulator.StartAsync();
        using var client = emulator.Client();
        await client.CoreV1.CreateNodeAsync(Node("node-1",
            new V1NodeCondition { Type = "Ready", Status = "True" },
            new V1NodeCondition { Type = "MemoryPressure", Status = "False" }));

        var patched = await client.CoreV1.PatchNodeStatusAsync(new V1Patch(
            """{"status":{"conditions":[{"type":"CocoonNetReady","status":"True","reason":"PoolReady"},{"type":"Ready","status":"False"}]}}""",
            V1Patch.PatchType.StrategicMergePatch), "node-1");

        Assert.Equal(["Ready=False", "MemoryPressure=False", "CocoonNetReady=True"], patched.Status.Conditions.Select(c => $"{c.Type}={c.Status}"));
        Assert.Equal("PoolReady", patched.Status.Conditions.Single(c => c.Type == "CocoonNetReady").Reason);

        // A merge patch (RFC 7386) replaces a list whole.
        var merged = await client.CoreV1.PatchNodeStatusAsync(new V1Patch(
            """{"status":{"conditions":[{"type":"CocoonNetReady","status":"False"}]}}""", V1Patch.PatchType.MergePatch), "node-1");
        Assert.Equal(["CocoonNetReady=False"], merged.Status.Conditions.Select(c => $"{c.Type}={c.Status}"));

        // A $patch: delete directive removes one condition by its key.
        var deleted = await client.CoreV1.PatchNodeStatusAsync(new V1Patch(
            """{"status":{"conditions":[{"type":"CocoonNetReady","$patch":"delete"}]}}""", V1Patch.PatchType.StrategicMergePatch), "node-1");
        Assert.Empty(deleted.Status.Conditions ?? []);
    }

    [Fact]
    public async Task A_JSON_patch_adds_an_extended_resource_to_capacity_with_an_escaped_slash()
    {
        await using var emulator = await KubeEmulator.StartAsync();
        using var client = emulator.Client();
        await client.CoreV1.CreateNodeAsync(Node("node-1"));

        var patched = await client.CoreV1.PatchNodeStatusAsync(new V1Patch(
            """[{"op":"add","path":"/status/capacity/cocoonstack.io~1vm-ip","value":"250"}]""", V1Patch.PatchType.JsonPatch), "node-1");
        Assert.Equal("250", patched.Status.Capacity["cocoonstack.io/vm-ip"].ToString());
        Assert.Equal("4", patched.Status.Capacity["cpu"].ToString());

        var removed = await client.CoreV1.PatchNodeStatusAsync(new V1Patch(
            """[{"op":"remove","path":"/status/capacity/cocoonstack.io~1vm-ip"}]""", V1Patch.PatchType.JsonPatch), "node-1");
        Assert.False(removed.Status.Capacity.ContainsKey("cocoonstack.io/vm-ip"));

        // Removing what is not there is refused (RFC 6902 4.2: the target location MUST exist): 422, nothing changes.
        var e = await Assert.ThrowsAsync<k8s.Autorest.HttpOperationException>(() => client.CoreV1.PatchNodeStatusAsync(new V1Patch(
            """[{"op":"remove","path":"/status/capacity/cocoonstack.io~1vm-ip"}]""", V1Patch.PatchType.JsonPatch), "node-1"));
        Assert.Equal(422, (int)e.Response.StatusCode);
    }

    [Fact]
    public async Task The_node_keeps_its_status_and_the_status_subresource_keeps_the_spec()
    {
        await using var emulator = await KubeEmulator.StartAsync();
        using var client = emulator.Client();
        await client.CoreV1.CreateNodeAsync(Node("node-1", new V1NodeCondition { Type = "Ready", Status = "True" }));

        var viaNode = await client.CoreV1.PatchNodeAsync(new V1Patch(
            """{"metadata":{"annotations":{"a":"1"}},"spec":{"podCIDR":"10.8.0.0/24"},"status":{"conditions":[{"type":"Ready","status":"False"}]}}""",
            V1Patch.PatchType.StrategicMergePatch), "node-1");
        Assert.Equal("1", viaNode.Metadata.Annotations["a"]);
        Assert.Equal("10.8.0.0/24", viaNode.Spec.PodCIDR);
        Assert.Equal("True", viaNode.Status.Conditions.Single().Status);

        var viaStatus = await client.CoreV1.PatchNodeStatusAsync(new V1Patch(
            """{"metadata":{"annotations":{"a":"2"}},"spec":{"podCIDR":"10.9.0.0/24"},"status":{"conditions":[{"type":"Ready","status":"False"}]}}""",
            V1Patch.PatchType.StrategicMergePatch), "node-1");
        // A Node's /status keeps the spec but, unlike a custom resource's, takes metadata changes (the apiserver's node status strategy).
        Assert.Equal("2", viaStatus.Metadata.Annotations["a"]);
        Assert.Equal("10.8.0.0/24", viaStatus.Spec.PodCIDR);
        Assert.Equal("False", viaStatus.Status.Conditions.Single().Status);
    }

    [Fact]
    public async Task A_replace_with_a_stale_resourceVersion_is_a_409_Conflict_and_a_no_op_write_keeps_the_version()
    {
        await using var emulator = await KubeEmulator.StartAsync();
        using var client = emulator.Client();
        var v1 = await client.CoreV1.CreateNodeAsync(Node("node-1"));
        v1.Metadata.Labels["x"] = "1";
        var v2 = await client.CoreV1.ReplaceNodeAsync(v1, "node-1");
        Assert.NotEqual(v1.Metadata.ResourceVersion, v2.Metadata.ResourceVersion);

        v1.Metadata.Labels["x"] = "2";
        var e = await Assert.ThrowsAsync<k8s.Autorest.HttpOperationException>(() => client.CoreV1.ReplaceNodeAsync(v1, "node-1"));
        Assert.Equal(409, (int)e.Response.StatusCode);
        Assert.Contains("\"reason\":\"Conflict\"", e.Response.Content, StringComparison.Ordinal);

        var same = await client.CoreV1.ReplaceNodeAsync(v2, "node-1");
        Assert.Equal(v2.Metadata.ResourceVersion, same.Metadata.ResourceVersion);

        await client.CoreV1.DeleteNodeAsync("node-1");
        var missing = await Assert.ThrowsAsync<k8s.Autorest.HttpOperationException>(() => client.CoreV1.ReadNodeAsync("node-1"));
        Assert.Equal(404, (int)missing.Response.StatusCode);
    }
}
