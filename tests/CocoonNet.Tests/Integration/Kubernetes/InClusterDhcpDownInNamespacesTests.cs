using System.Globalization;
using CocoonNet.Tests.Support;
using k8s;
using k8s.Models;

namespace CocoonNet.Tests.Integration.Kubernetes;

/// <summary>In-cluster: DHCP down (dnsmasq dead and failing to start again) turns the Node's condition False with reason DhcpDown, then True once it serves.</summary>
[Collection(NamespaceCollection.Name)]
public sealed class InClusterDhcpDownInNamespacesTests
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(60);

    [PrivilegedFact]
    public async Task Dhcp_down_makes_the_condition_false_with_reason_DhcpDown_until_dnsmasq_serves_again()
    {
        using var sandbox = new Sandbox();
        var fakeBin = Directory.CreateTempSubdirectory("cocoon-net-fakebin-");
        try
        {
            var flag = Path.Combine(fakeBin.FullName, "refuse");
            var real = Shell.Check("sh", "-c", "command -v dnsmasq || echo /usr/sbin/dnsmasq").Trim();
            var wrapper = Path.Combine(fakeBin.FullName, "dnsmasq");
            File.WriteAllText(wrapper, $"#!/bin/sh\nif [ -e '{flag}' ]; then echo 'dnsmasq: failed to bind' >&2; exit 2; fi\nexec '{real}' \"$@\"\n");
            File.SetUnixFileMode(wrapper, UnixFileMode.UserRead | UnixFileMode.UserExecute);

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
                new Dictionary<string, string>
                {
                    ["NODE_NAME"] = "sandbox",
                    ["PATH"] = $"{fakeBin.FullName}:{Environment.GetEnvironmentVariable("PATH")}",
                });
            Assert.True(agent.WaitForReady(), agent.Output);
            await Until(client, c => c is { Status: "True" }, agent);

            File.WriteAllText(flag, "");
            Shell.Check("kill", "-9", sandbox.DnsmasqPid()!.Value.ToString(CultureInfo.InvariantCulture));
            var down = await Until(client, c => c is { Status: "False" }, agent);
            Assert.Equal("DhcpDown", down.Reason);
            Assert.StartsWith("DHCP down: dnsmasq-cni is not running", down.Message, StringComparison.Ordinal);

            File.Delete(flag);
            await Until(client, c => c is { Status: "True", Reason: "Reconciled" }, agent);
            Assert.False(agent.HasExited, agent.Output);
        }
        finally
        {
            fakeBin.Delete(recursive: true);
        }
    }

    private static async Task<V1NodeCondition> Until(k8s.Kubernetes client, Func<V1NodeCondition?, bool> condition, AgentProcess agent)
    {
        var deadline = DateTime.UtcNow + Limit;
        V1NodeCondition? last;
        do
        {
            var node = await client.CoreV1.ReadNodeAsync("sandbox");
            last = node.Status?.Conditions?.SingleOrDefault(c => c.Type == "CocoonNetReady");
            if (condition(last))
            {
                return last!;
            }

            await Task.Delay(200);
        }
        while (DateTime.UtcNow < deadline);

        Assert.Fail($"the condition never matched; last: {KubernetesJson.Serialize(last)}\n{agent.Output}");
        return last!;
    }
}
