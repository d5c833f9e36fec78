using System.Net.Http.Json;
using CocoonNet.Tests.Support;
using k8s;
using k8s.Models;
using static CocoonNet.Tests.Integration.AgentInNamespacesTests;
using static CocoonNet.Tests.Integration.Kubernetes.InClusterNode;

namespace CocoonNet.Tests.Integration.Kubernetes;

/// <summary>
/// In-cluster mode: the agent in a sandbox node configured from its Node's annotations (the API emulator in
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
        using var node = new InClusterNode();
        var (sandbox, emulator, client, agent) = node;
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

    [PrivilegedFact]
    public async Task A_claimed_subnet_an_orphan_collected_and_teardown_releases_the_lease()
    {
        using var sandbox = new Sandbox();
        using var emulator = new KubeEmulatorInNamespace(sandbox);
        using var client = emulator.Client();
        await client.CoreV1.CreateNodeAsync(new V1Node { Metadata = new V1ObjectMeta { Name = "sandbox" } });
        var old = DateTime.UtcNow.AddHours(-1);
        await client.CoordinationV1.CreateNamespacedLeaseAsync(new V1Lease
        {
            Metadata = new V1ObjectMeta { Name = "vm-subnet-172-20-0-0-24", Labels = new Dictionary<string, string> { ["cocoonstack.io/vm-subnet-lease"] = "true" } },
            Spec = new V1LeaseSpec { HolderIdentity = "gone", AcquireTime = old, RenewTime = old },
        }, "cocoon-net");

        string claimed;
        using (var agent = new AgentProcess(sandbox,
            ["--kubernetes", "--node-name", "sandbox", "--kubeconfig", emulator.Kubeconfig, "--cluster-vm-cidr", "172.20.0.0/16", "--pool-size", "10",
             "--lease-gc-grace", "2s", "--manage-iptables", "--resync", "10m"]))
        {
            Assert.True(agent.WaitForReady(), agent.Output);
            // A subnet is claimed (172.20.1.0/24: 172.20.0.0/24 is held, unless the GC was quicker), annotated and served.
            var node = await client.CoreV1.ReadNodeAsync("sandbox");
            claimed = node.Metadata.Annotations["cocoonstack.io/vm-subnet"];
            Assert.Contains(claimed, (string[])["172.20.0.0/24", "172.20.1.0/24"]);
            Assert.True(Eventually(() => sandbox.RoutesWithProtocol("204").Count == 10, Limit), agent.Output);
            var lease = await client.CoordinationV1.ReadNamespacedLeaseAsync(LeaseOf(claimed), "cocoon-net");
            Assert.Equal("sandbox", lease.Spec.HolderIdentity);

            // The orphan is collected once the grace (2 s) is over.
            Assert.True(Eventually(() => !client.CoordinationV1.ListNamespacedLease("cocoon-net").Items.Any(l => l.Spec.HolderIdentity == "gone"), Limit),
                agent.Output);
            Assert.True(agent.Terminate(TimeSpan.FromSeconds(10)), agent.Output);
        }

        var teardown = sandbox.CocoonNet("teardown", "--kubernetes", "--node-name", "sandbox", "--kubeconfig", emulator.Kubeconfig);
        Assert.True(teardown.ExitCode == 0, teardown.ToString());
        Assert.Contains($"lease     - cocoon-net/{LeaseOf(claimed)}", teardown.ToString(), StringComparison.Ordinal);
        Assert.Empty((await client.CoordinationV1.ListNamespacedLeaseAsync("cocoon-net")).Items);
        var after = await client.CoreV1.ReadNodeAsync("sandbox");
        Assert.False(after.Metadata.Annotations?.ContainsKey("cocoonstack.io/vm-subnet") ?? false);
        Assert.Empty(sandbox.RoutesWithProtocol("204"));
    }

    [PrivilegedFact]
    public async Task While_the_api_answers_the_node_but_refuses_its_lease_the_recorded_node_is_served_and_repaired()
    {
        using var sandbox = new Sandbox();
        using var emulator = new KubeEmulatorInNamespace(sandbox);
        using var client = emulator.Client();
        await CreateAsync(client, poolSize: 10);
        string[] flags = ["--kubernetes", "--node-name", "sandbox", "--kubeconfig", emulator.Kubeconfig, "--cluster-vm-cidr", "172.20.0.0/16", "--manage-iptables", "--resync", "10m"];
        using (var first = new AgentProcess(sandbox, flags))
        {
            Assert.True(first.WaitForReady(), first.Output);
            Assert.True(Eventually(() => sandbox.RoutesWithProtocol("204").Count == 10, Limit), first.Output);
            Assert.True(first.Terminate(TimeSpan.FromSeconds(10)), first.Output);
        }

        // The lease API refuses (a missing permission): the decision cannot finish, the node in pool.json is served.
        emulator.Control.PostAsJsonAsync("_control/faults/fail", new { status = 403, count = 100000, path = "/apis/coordination.k8s.io" }).Result.EnsureSuccessStatusCode();
        using var agent = new AgentProcess(sandbox, flags);
        Assert.True(agent.WaitForReady(), agent.Output);
        sandbox.InNamespace(sandbox.Node, "ip", "route", "del", "172.20.0.2/32", "dev", "cni0");
        Assert.True(Eventually(() => sandbox.RoutesWithProtocol("204").Count == 10, TimeSpan.FromSeconds(5)), agent.Output);

        // The API whole again: the decision goes through and the node is published as reconciled.
        (await emulator.Control.DeleteAsync("_control/faults")).EnsureSuccessStatusCode();
        await Until(client, n => Condition(n) is { Status: "True" } && Resource(n) == "10", agent);
        Assert.Equal("sandbox", (await client.CoordinationV1.ReadNamespacedLeaseAsync("vm-subnet-172-20-0-0-24", "cocoon-net")).Spec.HolderIdentity);
        Assert.False(agent.HasExited, agent.Output);
    }

    private static string LeaseOf(string subnet) => "vm-subnet-" + subnet.Replace('.', '-').Replace('/', '-');

    private static string? Resource(V1Node node) =>
        node.Status?.Capacity?.TryGetValue("cocoonstack.io/vm-ip", out var q) == true ? q.ToString() : null;
}
