using System.Diagnostics;
using System.Net;
using CocoonNet.Tests.Support;

namespace CocoonNet.Tests.Integration;

/// <summary>
/// A sandbox node adopted with one DHCP backend and its agent running (the agent isolates ports plugged after adopt and
/// lets new leases through anti-spoofing, in either backend), for one test: the tests change the node's settings, so
/// none shares it. Disposing stops the agent and removes everything the sandbox made.
/// </summary>
internal sealed class IsolationNode : IDisposable
{
    public const string Subnet = "172.20.0.0/24";
    public const string Gateway = "172.20.0.1";

    /// <summary>The outside namespace's end of the uplink: reached from a VM only through the node's NAT.</summary>
    public static readonly IPAddress OutsideAddress = IPAddress.Parse("203.0.113.1");

    /// <summary>The node's uplink address: what the outside sees as a VM's source after MASQUERADE.</summary>
    public static readonly IPAddress NodeUplinkAddress = IPAddress.Parse("203.0.113.2");

    private IsolationNode(string backend, Sandbox sandbox)
    {
        Backend = backend;
        Sandbox = sandbox;
    }

    /// <summary><c>dnsmasq</c> or <c>embedded</c>.</summary>
    public string Backend { get; }

    public Sandbox Sandbox { get; }

    public AgentProcess? Agent { get; private set; }

    public DhcpClients Clients { get; } = new();

    public string AgentOutput => Agent?.Output ?? "(no agent)";

    /// <summary>
    /// Adopts a fresh sandbox node with <paramref name="backend"/> and <paramref name="flags"/> (uplink MTU
    /// <paramref name="uplinkMtu"/> when given) and starts its agent, ready.
    /// </summary>
    public static IsolationNode Start(string backend, int? uplinkMtu = null, params string[] flags)
    {
        var node = new IsolationNode(backend, new Sandbox());
        try
        {
            if (uplinkMtu is { } mtu)
            {
                node.Sandbox.SetUplinkMtu(mtu);
            }

            var adopt = node.Adopt(flags);
            Assert.True(adopt.ExitCode == 0, adopt.ToString());
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

    /// <summary>A sandbox with no adopt yet (for refusals: what must not change).</summary>
    public static IsolationNode Bare(string backend, int? uplinkMtu = null)
    {
        var node = new IsolationNode(backend, new Sandbox());
        if (uplinkMtu is { } mtu)
        {
            node.Sandbox.SetUplinkMtu(mtu);
        }

        return node;
    }

    public static string[] AdoptArguments(string backend, params string[] flags) =>
        ["adopt", "--node-name", "sandbox", "--subnet", Subnet, "--manage-iptables", "--dhcp", backend, "--lease-time", "1h", .. flags];

    /// <summary>Runs adopt again with this node's backend and <paramref name="flags"/> (the agent keeps running).</summary>
    public CommandResult Adopt(params string[] flags) => Sandbox.CocoonNet(AdoptArguments(Backend, flags));

    /// <summary>A VM plugged by the CNI bridge plugin and bound by <paramref name="client"/>; fails the test without a lease.</summary>
    public (CniAttachment Vm, string Address) PlugAndBind(DhcpClient client = DhcpClient.Udhcpc)
    {
        var vm = Sandbox.AddCniVm();
        var address = Clients.Bind(vm.Vm, client, null, out var run);
        Assert.True(address is not null, $"{Backend}: {client} on {vm.HostPort} got no address: {run}\n{AgentOutput}");
        return (vm, address);
    }

    /// <summary>
    /// Ping from <paramref name="vm"/>, retried for <paramref name="within"/>: a lease reaches anti-spoofing's set within
    /// 100 ms of dnsmasq's lease file changing, so the first packet after the ACK may still be dropped.
    /// </summary>
    public bool Reaches(string vm, string address, TimeSpan? within = null) =>
        Eventually(() => Sandbox.Ping(vm, address), within ?? TimeSpan.FromSeconds(3));

    public static bool Eventually(Func<bool> condition, TimeSpan timeout) => Poll.Until(condition, timeout);

    public void Dispose()
    {
        Agent?.Dispose();
        Clients.Dispose();
        Sandbox.Dispose();
    }
}
