using CocoonNet.Tests.Support;
using k8s;
using k8s.Models;
using static CocoonNet.Tests.Integration.AgentInNamespacesTests;

namespace CocoonNet.Tests.Integration.Kubernetes;

/// <summary>
/// Issue 12, in-cluster mode: the agent in a sandbox node configured from its Node's annotations (the API emulator in
/// the outside namespace), its condition and extended resource read back with the official client, repairs and DHCP
/// while the API is unreachable, and a re-configuration (pool size, then subnet) from an annotation change.
/// </summary>
[Collection(NamespaceCollection.Name)]
public sealed class InClusterAgentInNamespacesTests
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(60);

    [PrivilegedFact]
    public async Task The_node_is_configured_published_repaired_offline_and_reconfigured_from_its_annotations()
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
                    ["cocoonstack.io/vm-pool-size"] = "20",
                },
            },
        });

        using var agent = new AgentProcess(sandbox,
            ["--kubernetes", "--kubeconfig", emulator.Kubeconfig, "--manage-iptables", "--resync", "10m"],
            new Dictionary<string, string> { ["NODE_NAME"] = "sandbox" });
        Assert.True(agent.WaitForReady(), agent.Output);
        Assert.True(Eventually(() => sandbox.RoutesWithProtocol("204").Count == 20, Limit), agent.Output);

        // The condition and the extended resource, as the API returns them.
        var published = await Until(client, n => Condition(n) is { Status: "True" } && Resource(n) == "20", agent);
        Assert.Equal("Reconciled", Condition(published)!.Reason);
        Assert.Equal("20", published.Status.Allocatable["cocoonstack.io/vm-ip"].ToString());

        // The API away: the node is still repaired and its VM still renews.
        var vm = sandbox.AddVm();
        var address = sandbox.Dhcp(vm);
        Assert.True(address is not null, agent.Output);
        emulator.Unreachable(true);
        sandbox.InNamespace(sandbox.Node, "ip", "route", "del", $"{address}/32", "dev", "cni0");
        Assert.True(Eventually(() => sandbox.RoutesWithProtocol("204").Count == 20, TimeSpan.FromSeconds(5)), agent.Output);
        Assert.Equal(address, sandbox.Dhcp(vm));
        emulator.Unreachable(false);

        // Back: a new pool size re-configures the node and is published.
        await client.CoreV1.PatchNodeAsync(new V1Patch("""{"metadata":{"annotations":{"cocoonstack.io/vm-pool-size":"30"}}}""", V1Patch.PatchType.MergePatch), "sandbox");
        Assert.True(Eventually(() => sandbox.RoutesWithProtocol("204").Count == 30, Limit), agent.Output);
        await Until(client, n => Condition(n) is { Status: "True" } && Resource(n) == "30", agent);

        // A new subnet: the old one is torn down first, then the node is set up on the new one.
        await client.CoreV1.PatchNodeAsync(new V1Patch("""{"metadata":{"annotations":{"cocoonstack.io/vm-subnet":"172.20.1.0/24"}}}""", V1Patch.PatchType.MergePatch), "sandbox");
        Assert.True(Eventually(() => sandbox.InNamespace(sandbox.Node, "ip", "-4", "addr", "show", "dev", "cni0").Contains("172.20.1.1/24", StringComparison.Ordinal)
            && !sandbox.InNamespace(sandbox.Node, "ip", "-4", "addr", "show", "dev", "cni0").Contains("172.20.0.1/24", StringComparison.Ordinal)
            && sandbox.RoutesWithProtocol("204").Count == 30, Limit), agent.Output);
        await Until(client, n => Condition(n) is { Status: "True" }, agent);
        var events = await client.CoreV1.ListNamespacedEventAsync("default");
        Assert.Contains(events.Items, e => e.Reason == "SubnetChanged" && e.InvolvedObject.Name == "sandbox" && e.InvolvedObject.Kind == "Node");
        Assert.False(agent.HasExited, agent.Output);
    }

    private static V1NodeCondition? Condition(V1Node node) => node.Status?.Conditions?.SingleOrDefault(c => c.Type == "CocoonNetReady");

    private static string? Resource(V1Node node) =>
        node.Status?.Capacity?.TryGetValue("cocoonstack.io/vm-ip", out var q) == true ? q.ToString() : null;

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
