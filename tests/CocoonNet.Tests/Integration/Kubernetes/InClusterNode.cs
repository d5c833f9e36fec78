using System.Globalization;
using CocoonNet.Tests.Support;
using k8s;
using k8s.Models;

namespace CocoonNet.Tests.Integration.Kubernetes;

/// <summary>
/// The sandbox's Node as the in-cluster tests set it up: configured from its annotations (adopt on 172.20.0.0/24), the
/// API emulator in the outside namespace, and the agent ready, given its name through NODE_NAME as a pod's environment
/// gives it. Dispose stops the agent, then the emulator, then the sandbox.
/// </summary>
internal sealed class InClusterNode : IDisposable
{
    public const string Name = "sandbox";

    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(60);

    private readonly Sandbox _sandbox;
    private readonly KubeEmulatorInNamespace? _emulator;
    private readonly k8s.Kubernetes? _client;
    private readonly AgentProcess? _agent;

    /// <summary>Sets it up, with <paramref name="environment"/> on top of NODE_NAME for the agent.</summary>
    public InClusterNode(int poolSize = 20, IDictionary<string, string>? environment = null)
    {
        _sandbox = new Sandbox();
        try
        {
            _emulator = new KubeEmulatorInNamespace(_sandbox);
            _client = _emulator.Client();
            CreateAsync(_client, poolSize).GetAwaiter().GetResult();
            var variables = new Dictionary<string, string>(environment ?? new Dictionary<string, string>()) { ["NODE_NAME"] = Name };
            _agent = new AgentProcess(_sandbox, ["--kubernetes", "--kubeconfig", _emulator.Kubeconfig, "--manage-iptables", "--resync", "10m"], variables);
            Assert.True(_agent.WaitForReady(), _agent.Output);
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    public void Deconstruct(out Sandbox sandbox, out KubeEmulatorInNamespace emulator, out k8s.Kubernetes client, out AgentProcess agent) =>
        (sandbox, emulator, client, agent) = (_sandbox, _emulator!, _client!, _agent!);

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

    public void Dispose()
    {
        _agent?.Dispose();
        _client?.Dispose();
        _emulator?.Dispose();
        _sandbox.Dispose();
    }
}
