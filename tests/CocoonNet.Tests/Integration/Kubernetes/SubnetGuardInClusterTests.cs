using CocoonNet.Tests.Support;
using k8s;
using k8s.Models;
using static CocoonNet.Tests.Integration.AgentInNamespacesTests;
using static CocoonNet.Tests.Integration.Kubernetes.InClusterNode;

namespace CocoonNet.Tests.Integration.Kubernetes;

/// <summary>
/// In-cluster, a VM subnet annotation holding the node's own addresses is a bad annotation: the condition says so, the
/// node keeps serving the subnet it has, and its addresses and local routes (its way to the API server) stay as they were.
/// </summary>
[Collection(NamespaceCollection.Name)]
public sealed class SubnetGuardInClusterTests
{
    [PrivilegedFact]
    public async Task The_nodes_own_subnet_annotated_is_refused_and_the_old_subnet_kept_serving()
    {
        using var node = new InClusterNode(poolSize: 10);
        var (sandbox, _, client, agent) = node;
        await Until(client, n => Condition(n) is { Status: "True" }, agent);
        var before = SubnetGuardInNamespacesTests.NodeNetwork(sandbox);

        // The uplink's own network (203.0.113.2/24 on up0, the API server at 203.0.113.1).
        await client.CoreV1.PatchNodeAsync(new V1Patch("""{"metadata":{"annotations":{"cocoonstack.io/vm-subnet":"203.0.113.0/24"}}}""", V1Patch.PatchType.MergePatch), "sandbox");
        var refused = await Until(client, n => Condition(n) is { Status: "False", Reason: "InvalidAnnotation" }, agent);
        Assert.Contains("annotation cocoonstack.io/vm-subnet 203.0.113.0/24 contains 203.0.113.2, an address of this node on up0", Condition(refused)!.Message,
            StringComparison.Ordinal);

        // Still the old subnet, still repaired: the recorded node is served.
        sandbox.InNamespace(sandbox.Node, "ip", "route", "del", "172.20.0.2/32", "dev", "cni0");
        Assert.True(Eventually(() => sandbox.RoutesWithProtocol("204").Count == 10, TimeSpan.FromSeconds(10)), agent.Output);
        Assert.Equal(before, SubnetGuardInNamespacesTests.NodeNetwork(sandbox));

        // The API still reachable: a good subnet is taken up again.
        await client.CoreV1.PatchNodeAsync(new V1Patch("""{"metadata":{"annotations":{"cocoonstack.io/vm-subnet":"172.20.0.0/24"}}}""", V1Patch.PatchType.MergePatch), "sandbox");
        await Until(client, n => Condition(n) is { Status: "True" }, agent);
        Assert.False(agent.HasExited, agent.Output);
    }
}
