using System.Globalization;
using CocoonNet.Tests.Support;
using k8s;
using k8s.Models;

namespace CocoonNet.Tests.Integration.Kubernetes;

/// <summary>
/// The sandbox's Node as the in-cluster tests set it up: configured from its annotations (adopt on 172.20.0.0/24), the
/// agent given its name through NODE_NAME as a pod's environment gives it, and its condition polled through the API.
/// </summary>
internal static class InClusterNode
{
    public const string Name = "sandbox";

    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(60);

    /// <summary>Creates the Node with the annotations that configure it: adopt on 172.20.0.0/24 with a pool of <paramref name="poolSize"/>.</summary>
    public static Task<V1Node> CreateAsync(k8s.Kubernetes client, int poolSize = 20) =>
        client.CoreV1.CreateNodeAsync(new V1Node
        {
            Metadata = new V1ObjectMeta
            {
                Name = Name,
                Annotations = new Dictionary<string, string>
                {
                    ["cocoonstack.io/vm-subnet"] = "172.20.0.0/24",
                    ["cocoonstack.io/vm-mode"] = "adopt",
                    ["cocoonstack.io/vm-pool-size"] = poolSize.ToString(CultureInfo.InvariantCulture),
                },
            },
        });

    /// <summary>The agent in-cluster against the emulator, with <paramref name="environment"/> on top of NODE_NAME.</summary>
    public static AgentProcess StartAgent(Sandbox sandbox, KubeEmulatorInNamespace emulator, IDictionary<string, string>? environment = null)
    {
        var variables = new Dictionary<string, string>(environment ?? new Dictionary<string, string>()) { ["NODE_NAME"] = Name };
        return new AgentProcess(sandbox, ["--kubernetes", "--kubeconfig", emulator.Kubeconfig, "--manage-iptables", "--resync", "10m"], variables);
    }

    public static V1NodeCondition? Condition(V1Node node) => node.Status?.Conditions?.SingleOrDefault(c => c.Type == "CocoonNetReady");

    /// <summary>The Node once it matches <paramref name="condition"/>; fails with its last status and the agent's output after a minute.</summary>
    public static async Task<V1Node> Until(k8s.Kubernetes client, Func<V1Node, bool> condition, AgentProcess agent)
    {
        var deadline = DateTime.UtcNow + Limit;
        V1Node node;
        do
        {
            node = await client.CoreV1.ReadNodeAsync(Name);
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
