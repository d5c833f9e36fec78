using CocoonNet.Tests.Support;
using k8s;
using k8s.Models;
using static CocoonNet.Tests.Integration.AgentInNamespacesTests;

namespace CocoonNet.Tests.Integration.Kubernetes;

/// <summary>
/// In-cluster, a VM subnet annotation holding the node's own addresses is a bad annotation: the condition says so, the
/// node keeps serving the subnet it has, and its addresses and local routes (its way to the API server) stay as they were.
/// </summary>
[Collection(NamespaceCollection.Name)]
public sealed class SubnetGuardInClusterTests
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(60);

    [PrivilegedFact]
    public async Task The_nodes_own_subnet_annotated_is_refused_and_the_old_subnet_kept_serving()
    {
        using var sandbox = new Sandbox();
        using var emulator = new KubeEmulatorInNamespace(sandbox);
        using var client = emulator.Client();
        await client.CoreV1.CreateNodeAsync(new V1Node
        {
            Metadata = new V1ObjectMeta
            {
                Name = "sandbox",
                Annotations = new Dictionary<string, string>
                {
                    ["cocoonstack.io/vm-subnet"] = "172.20.0.0/24",
                    ["cocoonstack.io/vm-mode"] = "adopt",
                    ["cocoonstack.io/vm-pool-size"] = "10",
                },
            },
        });

        using var agent = new AgentProcess(sandbox,
            ["--kubernetes", "--node-name", "sandbox", "--kubeconfig", emulator.Kubeconfig, "--manage-iptables", "--resync", "10m"]);
        Assert.True(agent.WaitForReady(), agent.Output);
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

    private static V1NodeCondition? Condition(V1Node node) => node.Status?.Conditions?.SingleOrDefault(c => c.Type == "CocoonNetReady");

    private static async Task<V1Node> Until(k8s.Kubernetes client, Func<V1Node, bool> condition, AgentProcess agent)
    {
        var deadline = DateTime.UtcNow + Limit;
        V1Node node;
        do
        {
            node = await client.CoreV1.ReadNodeAsync("sandbox");
            if (condition(node))
            {
                return node;
            }

            await Task.Delay(200);
        }
        while (DateTime.UtcNow < deadline);

        Assert.Fail($"the node never matched; last status: {KubernetesJson.Serialize(node.Status)}\n{agent.Output}");
        return node;
    }
}
