using System.Net;
using System.Text.Json.Nodes;
using CocoonNet.Gke.Tests.Support;
using CocoonNet.Tests.Support;

namespace CocoonNet.Gke.Tests.Integration;

/// <summary>The agent on an init (GKE) node whose "GCE" is the emulator: a reboot is put right with no cloud change, and the cloud check reads only.</summary>
[Collection(GkeNamespaceCollection.Name)]
public sealed class GkeAgentTests
{
    private static readonly string[] Init = ["init", "--node-name", "vm-node", "--subnet", "172.20.1.0/24", "--pool-size", "20"];

    [PrivilegedFact]
    public void After_a_reboot_the_agent_alone_restores_the_node_with_zero_cloud_mutations_and_checks_the_cloud_read_only()
    {
        using var sandbox = new Sandbox();
        using var gce = new GceEmulatorProcess(sandbox);
        var env = GceEmulatorProcess.Environment(sandbox);
        var init = sandbox.CocoonNet(Init, env);
        Assert.True(init.ExitCode == 0, init.ToString());
        var mutations = gce.Mutations();

        // A reboot: kernel state and /run gone, /etc, /var and pool.json kept.
        sandbox.SimulateReboot();

        using var agent = new AgentProcess(sandbox, ["--cloud-check", "1s"], env);
        Assert.True(agent.WaitForReady(), agent.Output);
        Assert.Equal(20, sandbox.RoutesWithProtocol("204").Count);
        var vm = sandbox.AddVm();
        var address = sandbox.Dhcp(vm);
        Assert.True(address is not null, agent.Output);
        Assert.True(IPNetwork.Parse("172.20.1.0/24").Contains(IPAddress.Parse(address)), address);

        // The cloud check (every 1 s here) ran and found the alias range in place, changing nothing.
        JsonNode? drift = null;
        for (var watch = System.Diagnostics.Stopwatch.StartNew(); watch.Elapsed < TimeSpan.FromSeconds(20) && drift is null;)
        {
            Thread.Sleep(100);
            drift = JsonNode.Parse(sandbox.CocoonNet(["status", "-o", "json"], env).Stdout)?["agent"]?["cloudDrift"];
        }

        Assert.True(drift is not null, agent.Output);
        Assert.False((bool)drift!, agent.Output);
        Assert.Equal(mutations, gce.Mutations());
    }
}
