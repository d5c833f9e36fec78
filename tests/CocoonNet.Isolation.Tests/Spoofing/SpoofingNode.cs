using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using CocoonNet.Tests.Support;

namespace CocoonNet.Tests.Integration.Spoofing;

/// <summary>
/// A sandbox node with two VMs plugged into cni0 by hand before it is adopted (so the adopt's portsec step finds their
/// ports), then its agent: what the anti-spoofing tests need, with the table read through nft in the node namespace.
/// </summary>
internal sealed class SpoofingNode : IDisposable
{
    public const string Subnet = "172.20.0.0/24";
    public const string Gateway = "172.20.0.1";
    public static readonly string MacA = DhcpClients.TestMac(0x5a);
    public static readonly string MacB = DhcpClients.TestMac(0x5b);

    private SpoofingNode(Sandbox sandbox)
    {
        Sandbox = sandbox;
    }

    public Sandbox Sandbox { get; }

    public AgentProcess Agent { get; private set; } = null!;

    public DhcpClients Clients { get; } = new();

    public string VmA { get; private set; } = "";

    public string VmB { get; private set; } = "";

    public string PortA { get; private set; } = "";

    public string PortB { get; private set; } = "";

    /// <summary>Adopts a node with <paramref name="dhcp"/> (embedded or dnsmasq), VMs A and B plugged, and starts its agent.</summary>
    public static SpoofingNode Start(string dhcp)
    {
        var node = new SpoofingNode(new Sandbox());
        try
        {
            var adopt = node.Sandbox.CocoonNet("adopt", "--node-name", "sandbox", "--subnet", Subnet, "--manage-iptables", "--dhcp", dhcp, "--lease-time", "1h");
            Assert.True(adopt.ExitCode == 0, adopt.ToString());
            (node.VmA, node.PortA) = node.Plug(MacA);
            (node.VmB, node.PortB) = node.Plug(MacB);
            // Again with the ports there: the step puts them in vm_ports (the agent's port watcher does it as they come).
            var again = node.Sandbox.CocoonNet("adopt", "--node-name", "sandbox", "--subnet", Subnet, "--manage-iptables", "--dhcp", dhcp, "--lease-time", "1h");
            Assert.True(again.ExitCode == 0, again.ToString());
            Assert.Contains($"+ VM port {node.PortA} in set vm_ports", again.Stdout, StringComparison.Ordinal);
            node.Agent = new AgentProcess(node.Sandbox, []);
            Assert.True(node.Agent.WaitForReady(), node.Agent.Output);
            return node;
        }
        catch
        {
            node.Dispose();
            throw;
        }
    }

    /// <summary>A VM with <paramref name="mac"/> and its port on cni0.</summary>
    private (string Vm, string Port) Plug(string mac)
    {
        var before = Sandbox.Links(Sandbox.Node);
        var vm = Sandbox.AddVm();
        DhcpClients.SetMac(vm, mac);
        return (vm, Sandbox.Links(Sandbox.Node).Except(before).Single());
    }

    /// <summary>The elements of a set of table bridge cocoon (<c>mac . ip</c>, port names, ...), none when it is not there.</summary>
    public IReadOnlyList<string> Set(string name)
    {
        var result = Shell.Run("ip", ["netns", "exec", Sandbox.Node, "nft", "-j", "list", "set", "bridge", "cocoon", name]);
        if (result.ExitCode != 0)
        {
            return [];
        }

        using var document = JsonDocument.Parse(result.Stdout);
        var set = document.RootElement.GetProperty("nftables").EnumerateArray().Single(i => i.TryGetProperty("set", out _)).GetProperty("set");
        return set.TryGetProperty("elem", out var elements)
            ? [.. elements.EnumerateArray().Select(e => e.ValueKind == JsonValueKind.String
                ? e.GetString()!
                : string.Join(" . ", e.GetProperty("concat").EnumerateArray().Select(p => p.GetString())))]
            : [];
    }

    public bool HasTable() =>
        Shell.Run("ip", ["netns", "exec", Sandbox.Node, "nft", "list", "tables"]).Stdout.Contains("table bridge cocoon", StringComparison.Ordinal);

    /// <summary>The node's neighbour entry for <paramref name="ip"/> on cni0 (<c>ip neigh</c>'s line), or "".</summary>
    public string Neighbour(string ip) =>
        Sandbox.InNamespace(Sandbox.Node, "ip", "neigh", "show", ip, "dev", "cni0").Trim();

    /// <summary>The port cni0's FDB has <paramref name="mac"/> on, or null.</summary>
    public string? FdbPort(string mac) =>
        Sandbox.InNamespace(Sandbox.Node, "bridge", "fdb", "show", "br", "cni0").Split('\n')
            .Select(l => l.Split(' ')).Where(w => w.Length > 2 && w[0] == mac && w[1] == "dev").Select(w => w[2]).FirstOrDefault();

    /// <summary>Gives <paramref name="vm"/>'s eth0 <paramref name="ip"/> by hand, as a VM that ignores DHCP would.</summary>
    public void Take(string vm, string ip, string? mac = null)
    {
        if (mac is not null)
        {
            DhcpClients.SetMac(vm, mac);
        }

        Sandbox.InNamespace(vm, "ip", "addr", "flush", "dev", "eth0");
        Sandbox.InNamespace(vm, "ip", "addr", "add", $"{ip}/24", "dev", "eth0");
        Shell.Run("ip", ["netns", "exec", vm, "ip", "route", "replace", "default", "via", Gateway]);
    }

    public CommandResult Status() => Sandbox.CocoonNet("status");

    public void Hangup() => Shell.Check("kill", "-HUP", Agent.Pid.ToString(CultureInfo.InvariantCulture));

    public static bool Eventually(Func<bool> condition, TimeSpan timeout) => Poll.Until(condition, timeout);

    public void Dispose()
    {
        Agent?.Dispose();
        Clients.Dispose();
        Sandbox.Dispose();
    }
}
