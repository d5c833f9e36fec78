using System.Diagnostics;
using CocoonNet.Tests.Support;
using Xunit.Abstractions;
using static CocoonNet.Tests.Integration.IsolationNode;

namespace CocoonNet.Tests.Integration;

/// <summary>
/// VM isolation end to end, both DHCP backends: VMs plugged by the real CNI bridge plugin from cocoon-net's conflist (and
/// one by hand, as a runtime that plugs its own veth), real DHCP clients, traffic. Same-node VMs cannot reach each other
/// (neither by IP nor by ARP, nor routed through the gateway), yet each reaches its gateway and, through the NAT, the
/// outside; <c>--vm-isolation=false</c> gives VM to VM back and <c>--vm-isolation=true</c> takes it away again.
/// </summary>
[Collection(IsolationCollection.Name)]
public sealed class VmIsolationTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Blocked = TimeSpan.FromSeconds(1);

    [PrivilegedFact]
    public void Dnsmasq_vms_reach_the_gateway_and_the_outside_but_not_each_other() => VmsReachGatewayAndOutsideButNotEachOther("dnsmasq");

    [PrivilegedFact]
    public void Embedded_vms_reach_the_gateway_and_the_outside_but_not_each_other() => VmsReachGatewayAndOutsideButNotEachOther("embedded");

    [PrivilegedFact]
    public void Dnsmasq_vm_isolation_off_gives_vm_to_vm_back_and_on_takes_it_away() => IsolationToggles("dnsmasq");

    [PrivilegedFact]
    public void Embedded_vm_isolation_off_gives_vm_to_vm_back_and_on_takes_it_away() => IsolationToggles("embedded");

    private void VmsReachGatewayAndOutsideButNotEachOther(string backend)
    {
        Assert.Null(CniBridgePlugin.WhyMissing());
        using var node = Start(backend);
        var sandbox = node.Sandbox;

        // The agent isolates a port the plugin made (the 1.1 plugin ignores portIsolation) within ms of the kernel's event.
        var a = sandbox.AddCniVm();
        var watch = Stopwatch.StartNew();
        Assert.True(Eventually(() => sandbox.IsIsolated(a.HostPort), TimeSpan.FromSeconds(1)),
            $"{backend}: {a.HostPort} not isolated 1 s after CNI ADD\n{node.AgentOutput}");
        output.WriteLine($"{backend}: port isolated {watch.Elapsed.TotalMilliseconds:F0} ms after CNI ADD returned (20 ms polls)");
        var addressA = node.Clients.Bind(a.Vm, DhcpClient.Udhcpc) ?? throw new InvalidOperationException($"{backend}: no lease for A\n{node.AgentOutput}");
        var (b, addressB) = node.PlugAndBind(DhcpClient.Dhclient);
        var byHand = sandbox.AddVm();
        var addressC = node.Clients.Bind(byHand, DhcpClient.Udhcpc) ?? throw new InvalidOperationException($"{backend}: no lease for the VM plugged by hand");
        var portC = sandbox.PortOf(byHand);

        foreach (var port in sandbox.BridgePorts())
        {
            Assert.True(Eventually(() => sandbox.IsIsolated(port), TimeSpan.FromSeconds(1)), $"{backend}: port {port} of cni0 is not isolated");
        }

        foreach (var (vm, name) in new[] { (a.Vm, "A"), (b.Vm, "B"), (byHand, "C (by hand)") })
        {
            Assert.True(node.Reaches(vm, Gateway), $"{backend}: {name} cannot reach the gateway\n{node.AgentOutput}");
            Assert.True(node.Reaches(vm, OutsideAddress.ToString()), $"{backend}: {name} cannot reach the outside through the NAT\n{sandbox.IptablesSave()}");
        }

        // Blocked at L2 both ways, by IP and by ARP: the frames never cross the bridge.
        foreach (var (from, to, what) in new[] { (a.Vm, addressB, "A -> B"), (b.Vm, addressA, "B -> A"), (a.Vm, addressC, "A -> C"), (byHand, addressA, "C -> A") })
        {
            Assert.False(sandbox.Ping(from, to), $"{backend}: {what} ping crossed the bridge");
            Assert.False(sandbox.Arping(from, to), $"{backend}: {what} ARP crossed the bridge");
        }

        // Through the gateway instead (routed: in on cni0 and out on cni0 again): dropped in FORWARD.
        sandbox.InNamespace(a.Vm, "ip", "route", "add", $"{addressB}/32", "via", Gateway);
        Assert.False(sandbox.Ping(a.Vm, addressB), $"{backend}: A -> B routed through the gateway crossed\n{sandbox.IptablesSave()}");

        // The engine's DEL when a VM goes: the plug and its port are gone; the others are untouched.
        var del = sandbox.RemoveCniVm(b);
        Assert.True(del.ExitCode == 0, $"{backend}: CNI DEL: {del}");
        Assert.DoesNotContain(b.HostPort, sandbox.BridgePorts());
        Assert.True(sandbox.IsIsolated(a.HostPort) && sandbox.IsIsolated(portC));
        Assert.False(node.Agent!.HasExited, node.AgentOutput);
    }

    private void IsolationToggles(string backend)
    {
        Assert.Null(CniBridgePlugin.WhyMissing());
        using var node = Start(backend);
        var sandbox = node.Sandbox;
        var (a, addressA) = node.PlugAndBind();
        var (b, addressB) = node.PlugAndBind();
        Assert.True(node.Reaches(a.Vm, Gateway) && node.Reaches(b.Vm, Gateway), node.AgentOutput);
        Assert.False(sandbox.Ping(a.Vm, addressB), $"{backend}: A -> B with isolation on");

        var off = node.Adopt("--vm-isolation=false");
        Assert.True(off.ExitCode == 0, off.ToString());
        // Cleared by adopt; the running agent, which reads the new pool.json, must not put them back meanwhile.
        Assert.True(Eventually(() => !sandbox.IsIsolated(a.HostPort) && !sandbox.IsIsolated(b.HostPort), Blocked),
            $"{backend}: ports still isolated 1 s after adopt --vm-isolation=false\n{off.Stdout}\n{node.AgentOutput}");
        Assert.True(node.Reaches(a.Vm, addressB) && node.Reaches(b.Vm, addressA), $"{backend}: VM to VM still blocked with isolation off\n{sandbox.IptablesSave()}");
        Assert.True(sandbox.Arping(a.Vm, addressB), $"{backend}: ARP A -> B blocked with isolation off");
        sandbox.InNamespace(a.Vm, "ip", "route", "add", $"{addressB}/32", "via", Gateway);
        Assert.True(node.Reaches(a.Vm, addressB), $"{backend}: A -> B routed through the gateway blocked with isolation off\n{sandbox.IptablesSave()}");
        // The running agent read the new pool.json: it does not put the flags back, nor isolate a new port.
        var c = sandbox.AddCniVm();
        Thread.Sleep(Blocked);
        Assert.False(sandbox.IsIsolated(a.HostPort) || sandbox.IsIsolated(c.HostPort), $"{backend}: the agent isolated a port with isolation off\n{node.AgentOutput}");

        var on = node.Adopt("--vm-isolation=true");
        Assert.True(on.ExitCode == 0, on.ToString());
        foreach (var port in sandbox.BridgePorts())
        {
            Assert.True(sandbox.IsIsolated(port), $"{backend}: {port} not isolated after adopt --vm-isolation=true");
        }

        Assert.False(sandbox.Ping(a.Vm, addressB), $"{backend}: A -> B (routed through the gateway) with isolation back on");
        Assert.False(sandbox.Arping(b.Vm, addressA), $"{backend}: ARP B -> A with isolation back on");
        Assert.True(node.Reaches(a.Vm, OutsideAddress.ToString()), $"{backend}: A lost the outside");
    }
}
