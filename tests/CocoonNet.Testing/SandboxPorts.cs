using System.Globalization;
using System.Text.Json.Nodes;

namespace CocoonNet.Tests.Support;

/// <summary>
/// The sandbox's VM ports as the isolation tests see them: VMs plugged by the real CNI bridge plugin, the bridge
/// flags of cni0's ports, MTUs, and an uplink that can be given a cloud's MTU (GCE's 1460).
/// </summary>
internal sealed partial class Sandbox
{
    /// <summary>
    /// Gives the uplink (both ends) <paramref name="mtu"/>, as on a GCE VM whose NIC is 1460: what cocoon-net reads as
    /// the primary NIC's live MTU. Call before adopt/init.
    /// </summary>
    public void SetUplinkMtu(int mtu)
    {
        var text = mtu.ToString(CultureInfo.InvariantCulture);
        InNamespace(Node, "ip", "link", "set", "up0", "mtu", text);
        InNamespace(Outside, "ip", "link", "set", "up0", "mtu", text);
    }

    /// <summary>A new VM namespace plugged into cni0 by the CNI bridge plugin from cocoon-net's conflist (eth0 up).</summary>
    public CniAttachment AddCniVm()
    {
        var vm = AddNamespace("cnv");
        InNamespace(vm, "ip", "link", "set", "lo", "up");
        var attachment = CniBridgePlugin.Add(this, vm);
        InNamespace(vm, "ip", "link", "set", "eth0", "up");
        return attachment;
    }

    /// <summary>CNI DEL then the VM's namespace: what the engine does when a VM is deleted. Returns DEL's result.</summary>
    public CommandResult RemoveCniVm(CniAttachment attachment)
    {
        var del = CniBridgePlugin.Del(this, attachment);
        RemoveVm(attachment.Vm);
        return del;
    }

    /// <summary>The MTU of <paramref name="link"/> in <paramref name="ns"/>.</summary>
    public int Mtu(string ns, string link) =>
        (int)JsonNode.Parse(InNamespace(ns, "ip", "-j", "link", "show", "dev", link))!.AsArray()[0]!["mtu"]!;

    /// <summary>The names of cni0's ports.</summary>
    public IReadOnlyList<string> BridgePorts() =>
        JsonNode.Parse(InNamespace(Node, "ip", "-j", "link", "show", "master", "cni0"))!.AsArray()
            .Select(l => (string)l!["ifname"]!).ToList();

    /// <summary>Whether cni0's port <paramref name="port"/> has BR_ISOLATED (<c>bridge link ... isolated on</c>).</summary>
    public bool IsIsolated(string port) =>
        JsonNode.Parse(InNamespace(Node, "bridge", "-d", "-j", "link", "show", "dev", port))!.AsArray()[0]!["isolated"] is JsonValue v
        && v.GetValue<bool>();

    /// <summary>The host end of <paramref name="vm"/>'s eth0 (a veth peer on cni0), by ifindex.</summary>
    public string PortOf(string vm)
    {
        var peer = (int)JsonNode.Parse(InNamespace(vm, "ip", "-j", "link", "show", "dev", "eth0"))!.AsArray()[0]!["link_index"]!;
        return JsonNode.Parse(InNamespace(Node, "ip", "-j", "link", "show", "master", "cni0"))!.AsArray()
            .Single(l => (int)l!["ifindex"]! == peer)!["ifname"]!.GetValue<string>();
    }

    /// <summary>
    /// An ARP-level probe: busybox arping from <paramref name="vm"/>'s eth0 for <paramref name="address"/>; true when
    /// something answered. Below IP, so it says whether the frames cross the bridge at all.
    /// </summary>
    public bool Arping(string vm, string address) =>
        Shell.Run("ip", ["netns", "exec", vm, "busybox", "arping", "-I", "eth0", "-c", "2", "-w", "2", address]).ExitCode == 0;
}
