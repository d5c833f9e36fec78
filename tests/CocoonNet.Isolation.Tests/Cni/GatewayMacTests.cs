using System.Text.Json.Nodes;
using CocoonNet.Tests.Support;
using static CocoonNet.Tests.Integration.IsolationNode;

namespace CocoonNet.Tests.Integration;

/// <summary>
/// The gateway's MAC (cni0's) stays put while VMs come and go. A Linux bridge whose address was never set takes the
/// lowest MAC among its ports, so a VM joining or leaving can change it; every other VM then sends to a MAC nobody has
/// until its ARP entry goes stale (seconds), and with isolation on those frames cannot even be flooded anywhere.
/// </summary>
[Collection(IsolationCollection.Name)]
public sealed class GatewayMacTests
{
    [PrivilegedFact]
    public void The_gateway_mac_stays_when_a_vm_with_a_lower_mac_joins_and_leaves()
    {
        using var node = Start("embedded");
        var sandbox = node.Sandbox;
        var (a, _) = node.PlugAndBind();
        Assert.True(node.Reaches(a.Vm, Gateway), node.AgentOutput);
        var gateway = BridgeMac(sandbox);

        // A port with the lowest MAC a VM can have: a bridge that follows its ports would take it now, and drop it after.
        var low = sandbox.AddVm();
        sandbox.InNamespace(sandbox.Node, "ip", "link", "set", sandbox.PortOf(low), "address", "02:00:00:00:00:01");
        Assert.True(gateway == BridgeMac(sandbox), $"cni0's MAC changed from {gateway} to {BridgeMac(sandbox)} when a VM port joined");
        sandbox.RemoveVm(low);
        Assert.True(gateway == BridgeMac(sandbox), $"cni0's MAC changed from {gateway} to {BridgeMac(sandbox)} when a VM port left");
        Assert.True(node.Reaches(a.Vm, Gateway, TimeSpan.FromSeconds(1)), "a VM lost its gateway when another VM left");
    }

    private static string BridgeMac(Sandbox sandbox) =>
        (string)JsonNode.Parse(sandbox.InNamespace(sandbox.Node, "ip", "-j", "link", "show", "dev", "cni0"))!.AsArray()[0]!["address"]!;
}
