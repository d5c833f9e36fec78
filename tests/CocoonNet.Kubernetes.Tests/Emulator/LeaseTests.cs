using System.Net;
using System.Text.Json;
using CocoonNet.Kubernetes.Tests.Support;
using CocoonNet.Tests.Support;
using k8s;
using k8s.Autorest;
using k8s.Models;

namespace CocoonNet.Kubernetes.Tests.Emulator;

/// <summary>Leases (the nodes' per-subnet claims): atomic create, label selection, conflicts and delete preconditions.</summary>
[NeedsBuild]
public sealed class LeaseTests
{
    private const string Namespace = "cocoon-net";

    private static V1Lease Lease(string name, string holder) => new()
    {
        Metadata = new V1ObjectMeta { Name = name, Labels = new Dictionary<string, string> { ["cocoonstack.io/vm-subnet-lease"] = "true" } },
        Spec = new V1LeaseSpec { HolderIdentity = holder },
    };

    private static string Reason(HttpOperationException e) =>
        JsonDocument.Parse(e.Response.Content).RootElement.GetProperty("reason").GetString()!;

    [Fact]
    public async Task Of_20_concurrent_creates_of_one_name_exactly_one_wins_and_the_rest_get_AlreadyExists()
    {
        await using var emulator = await KubeEmulator.StartAsync();
        using var client = emulator.Client();

        var outcomes = await Task.WhenAll(Enumerable.Range(0, 20).Select(async i =>
        {
            try
            {
                await client.CoordinationV1.CreateNamespacedLeaseAsync(Lease("vm-subnet-172-20-3-0-24", $"node-{i}"), Namespace);
                return "created";
            }
            catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.Conflict)
            {
                return Reason(e);
            }
        }));

        Assert.Equal(1, outcomes.Count(o => o == "created"));
        Assert.Equal(19, outcomes.Count(o => o == "AlreadyExists"));
        var lease = await client.CoordinationV1.ReadNamespacedLeaseAsync("vm-subnet-172-20-3-0-24", Namespace);
        Assert.StartsWith("node-", lease.Spec.HolderIdentity, StringComparison.Ordinal);
        Assert.Equal(20, await emulator.CountAsync("create", $"/apis/coordination.k8s.io/v1/namespaces/{Namespace}/leases"));
    }

    [Fact]
    public async Task A_list_selects_by_label_and_a_replace_with_a_stale_version_conflicts()
    {
        await using var emulator = await KubeEmulator.StartAsync();
        using var client = emulator.Client();
        var lease = await client.CoordinationV1.CreateNamespacedLeaseAsync(Lease("vm-subnet-172-20-3-0-24", "node-1"), Namespace);
        var other = Lease("unrelated", "x");
        other.Metadata.Labels.Clear();
        await client.CoordinationV1.CreateNamespacedLeaseAsync(other, Namespace);
        await client.CoordinationV1.CreateNamespacedLeaseAsync(Lease("vm-subnet-172-20-4-0-24", "node-2"), "elsewhere");

        var list = await client.CoordinationV1.ListNamespacedLeaseAsync(Namespace, labelSelector: "cocoonstack.io/vm-subnet-lease=true");
        Assert.Equal(["vm-subnet-172-20-3-0-24"], list.Items.Select(l => l.Metadata.Name));
        Assert.False(string.IsNullOrEmpty(list.Metadata.ResourceVersion));
        var all = await client.CoordinationV1.ListLeaseForAllNamespacesAsync(labelSelector: "cocoonstack.io/vm-subnet-lease");
        Assert.Equal(2, all.Items.Count);

        lease.Spec.HolderIdentity = "node-2";
        await client.CoordinationV1.ReplaceNamespacedLeaseAsync(lease, lease.Metadata.Name, Namespace);
        lease.Spec.HolderIdentity = "node-3";
        var e = await Assert.ThrowsAsync<HttpOperationException>(() => client.CoordinationV1.ReplaceNamespacedLeaseAsync(lease, lease.Metadata.Name, Namespace));
        Assert.Equal(HttpStatusCode.Conflict, e.Response.StatusCode);
        Assert.Equal("Conflict", Reason(e));
        Assert.Equal("node-2", (await client.CoordinationV1.ReadNamespacedLeaseAsync(lease.Metadata.Name, Namespace)).Spec.HolderIdentity);
    }

    [Fact]
    public async Task A_delete_with_a_stale_resourceVersion_or_another_uid_is_a_409_and_keeps_the_lease()
    {
        await using var emulator = await KubeEmulator.StartAsync();
        using var client = emulator.Client();
        var lease = await client.CoordinationV1.CreateNamespacedLeaseAsync(Lease("vm-subnet-172-20-3-0-24", "node-1"), Namespace);
        var stale = lease.Metadata.ResourceVersion;
        lease.Spec.HolderIdentity = "node-2";
        lease = await client.CoordinationV1.ReplaceNamespacedLeaseAsync(lease, lease.Metadata.Name, Namespace);

        var e = await Assert.ThrowsAsync<HttpOperationException>(() => client.CoordinationV1.DeleteNamespacedLeaseAsync(lease.Metadata.Name, Namespace,
            new V1DeleteOptions { Preconditions = new V1Preconditions { ResourceVersion = stale } }));
        Assert.Equal(HttpStatusCode.Conflict, e.Response.StatusCode);
        e = await Assert.ThrowsAsync<HttpOperationException>(() => client.CoordinationV1.DeleteNamespacedLeaseAsync(lease.Metadata.Name, Namespace,
            new V1DeleteOptions { Preconditions = new V1Preconditions { Uid = Guid.NewGuid().ToString() } }));
        Assert.Equal(HttpStatusCode.Conflict, e.Response.StatusCode);
        Assert.NotNull(await client.CoordinationV1.ReadNamespacedLeaseAsync(lease.Metadata.Name, Namespace));

        var status = await client.CoordinationV1.DeleteNamespacedLeaseAsync(lease.Metadata.Name, Namespace,
            new V1DeleteOptions { Preconditions = new V1Preconditions { ResourceVersion = lease.Metadata.ResourceVersion, Uid = lease.Metadata.Uid } });
        Assert.Equal("Success", status.Status);
        var missing = await Assert.ThrowsAsync<HttpOperationException>(() => client.CoordinationV1.ReadNamespacedLeaseAsync(lease.Metadata.Name, Namespace));
        Assert.Equal(HttpStatusCode.NotFound, missing.Response.StatusCode);
        Assert.Equal("NotFound", Reason(missing));
    }
}
