using System.Diagnostics;
using System.Net;
using System.Text.Json;
using CocoonNet.Tests.Support;

namespace CocoonNet.Volcengine.Tests.EndToEnd;

/// <summary>
/// The agent on a Volcengine init node: after a reboot only the agent is started and the node comes back (bridge,
/// routes, rules, DHCP, the ENIs' NICs up) with zero cloud calls; an ENI's NIC set down later is brought up from the
/// kernel event (the backend names it in contract 2.2's HostWatch), not on the 10-minute resync.
/// </summary>
[Collection(VolcengineCollection.Name)]
public sealed class VolcengineAgentTests
{
    private static readonly string[] Init = ["init", "--platform", "volcengine", "--node-name", "vol1", "--subnet", "172.20.0.0/24", "--pool-size", "40"];

    [PrivilegedFact]
    public void After_a_reboot_the_agent_alone_restores_the_node_with_no_cloud_call_and_keeps_the_eni_nics_up()
    {
        using var sandbox = new Sandbox();
        using var emulator = new VolcengineEmulator(sandbox);
        var init = sandbox.CocoonNet(Init, emulator.Environment());
        Assert.True(init.ExitCode == 0, init.ToString());
        var state = JsonDocument.Parse(File.ReadAllText(Path.Combine(sandbox.StateDirectory, "pool.json"))).RootElement;
        var nics = state.GetProperty("secondaryNICs").EnumerateArray().Select(n => n.GetString()!).ToList();
        var ips = state.GetProperty("ips").EnumerateArray().Select(n => n.GetString()!).ToList();
        Assert.Equal(2, nics.Count);
        var calls = emulator.Calls();

        // A reboot: kernel state and /run gone (NICs come up down), /etc, /var and pool.json kept.
        sandbox.SimulateReboot([.. nics]);

        using var agent = new AgentProcess(sandbox, ["--cloud-check", "0", "--resync", "10m"], emulator.Environment());
        Assert.True(agent.WaitForReady(), agent.Output);
        Assert.Equal(40, sandbox.RoutesWithProtocol("204").Count);
        Assert.All(nics, nic => Assert.True(sandbox.IsUp(nic), $"{nic} is down\n{agent.Output}"));
        var vm = sandbox.AddVm();
        var address = sandbox.Dhcp(vm);
        Assert.True(address is not null, agent.Output);
        Assert.Contains(address, ips);

        sandbox.InNamespace(sandbox.Node, "ip", "link", "set", nics[1], "down");
        var watch = Stopwatch.StartNew();
        while (!sandbox.IsUp(nics[1]) && watch.Elapsed < TimeSpan.FromSeconds(3))
        {
            Thread.Sleep(20);
        }

        Assert.True(sandbox.IsUp(nics[1]), $"{nics[1]} was not brought up again\n{agent.Output}");
        Assert.True(IPNetwork.Parse("172.20.0.0/24").Contains(IPAddress.Parse(address)), address);
        Assert.Equal(calls, emulator.Calls());
    }
}
