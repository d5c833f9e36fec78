using System.Diagnostics;
using CocoonNet.Node.Linux;
using CocoonNet.Node.Linux.Netlink;
using CocoonNet.Tests.Support;
using Xunit.Abstractions;

namespace CocoonNet.Tests.Integration;

/// <summary>
/// BR_ISOLATED on cni0's VM ports in a sandbox node: set by adopt on the ports already there, by the agent on a new
/// port within milliseconds of the kernel event (and put back when cleared by hand), cleared by teardown on a bridge it
/// keeps; and cni0 takes the primary NIC's MTU. Timings are read in-process over netlink, not by forking a poller.
/// </summary>
[Collection(IsolationCollection.Name)]
public sealed class PortIsolationInNamespacesTests(ITestOutputHelper output)
{
    private static readonly string[] Adopt = ["adopt", "--node-name", "sandbox", "--subnet", "172.20.0.0/24", "--manage-iptables"];

    [PrivilegedFact]
    public void Adopt_isolates_the_ports_already_there_and_the_agent_isolates_a_new_port_within_milliseconds()
    {
        using var sandbox = new Sandbox();
        // A GCE-like uplink: cni0 follows it.
        sandbox.InNamespace(sandbox.Node, "ip", "link", "set", "up0", "mtu", "1460");
        var first = Shell.Run("ip", ["netns", "exec", sandbox.Node, "ip", "link", "add", "cni0", "type", "bridge"]);
        Assert.Equal(0, first.ExitCode);
        var before = sandbox.AddVm(isolated: false);
        var adopt = sandbox.CocoonNet(Adopt);
        Assert.True(adopt.ExitCode == 0, adopt.ToString());
        Assert.Contains("~ set cni0 mtu 1500 -> 1460", adopt.Stdout, StringComparison.Ordinal);
        Assert.Contains("~ isolate VM port ", adopt.Stdout, StringComparison.Ordinal);

        using var kernel = InNode(sandbox);
        var bridge = kernel.ListLinks().Single(l => l.Name == "cni0");
        Assert.Equal(1460, bridge.Mtu);
        Assert.All(Ports(kernel, bridge.Index), p => Assert.True(p.Isolated, $"{p.Name} not isolated after adopt"));
        Assert.Contains("dhcp-option=option:mtu,1460", File.ReadAllText(sandbox.PathOf("/etc/dnsmasq-cni.d/cni0.conf")), StringComparison.Ordinal);
        Assert.Contains("\"mtu\": 1460", File.ReadAllText(sandbox.PathOf("/etc/cni/net.d/30-dnsmasq-dhcp.conflist")), StringComparison.Ordinal);

        // A re-run changes nothing; status sees every port isolated and the MTU in place.
        var again = sandbox.CocoonNet(Adopt);
        Assert.DoesNotContain("isolate", again.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("~ set cni0 mtu", again.Stdout, StringComparison.Ordinal);
        var status = sandbox.CocoonNet("status");
        Assert.Contains("Isolation:  on, 1 of 1 VM port isolated", status.Stdout, StringComparison.Ordinal);
        Assert.Contains("MTU:        1460 (primary NIC up0)", status.Stdout, StringComparison.Ordinal);

        using var agent = new AgentProcess(sandbox, []);
        Assert.True(agent.WaitForReady(), agent.Output);
        var attach = new List<double>();
        var sinceCommand = new List<double>();
        for (var i = 0; i < 5; i++)
        {
            var port = $"vp{i}";
            sandbox.InNamespace(sandbox.Node, "ip", "link", "add", port, "type", "veth", "peer", "name", $"vq{i}");
            var watch = Stopwatch.StartNew();
            sandbox.InNamespace(sandbox.Node, "ip", "link", "set", port, "master", "cni0", "up");
            var returned = watch.Elapsed.TotalMilliseconds;
            Assert.True(WaitIsolated(kernel, port, true, TimeSpan.FromSeconds(2)), $"{port} not isolated within 2 s\n{agent.Output}");
            attach.Add(watch.Elapsed.TotalMilliseconds);
            sinceCommand.Add(Math.Max(0, watch.Elapsed.TotalMilliseconds - returned));
        }

        // Cleared by hand: the agent puts the flag back.
        var putBack = new List<double>();
        for (var i = 0; i < 5; i++)
        {
            var watch = Stopwatch.StartNew();
            sandbox.InNamespace(sandbox.Node, "bridge", "link", "set", "dev", $"vp{i}", "isolated", "off");
            var returned = watch.Elapsed.TotalMilliseconds;
            Assert.True(WaitIsolated(kernel, $"vp{i}", true, TimeSpan.FromSeconds(2)), $"vp{i} not isolated again within 2 s\n{agent.Output}");
            putBack.Add(Math.Max(0, watch.Elapsed.TotalMilliseconds - returned));
        }

        output.WriteLine($"new port isolated: {Summary(attach)} from 'ip link set master' started, {Summary(sinceCommand)} after it returned");
        output.WriteLine($"cleared flag put back: {Summary(putBack)} after 'bridge link set isolated off' returned");
        Assert.True(sinceCommand.Max() < 100, $"isolation took {Summary(sinceCommand)} after the port joined");
        Assert.False(agent.HasExited, agent.Output);
        Assert.True(agent.Terminate(TimeSpan.FromSeconds(10)), agent.Output);

        // Teardown keeps a bridge with ports (it was not ours anyway): their flags and cni0's MTU go back as found.
        var teardown = sandbox.CocoonNet("teardown");
        Assert.True(teardown.ExitCode == 0, teardown.ToString());
        Assert.Contains("~ set cni0 mtu 1460 -> 1500 (as found)", teardown.Stdout, StringComparison.Ordinal);
        bridge = kernel.ListLinks().Single(l => l.Name == "cni0");
        Assert.Equal(1500, bridge.Mtu);
        Assert.All(Ports(kernel, bridge.Index), p => Assert.False(p.Isolated, $"{p.Name} still isolated after teardown"));
        sandbox.RemoveVm(before);
    }

    [PrivilegedFact]
    public void Isolation_turned_off_by_adopt_alone_clears_the_flags_of_the_ports_already_there()
    {
        using var sandbox = new Sandbox();
        var adopt = sandbox.CocoonNet(Adopt);
        Assert.True(adopt.ExitCode == 0, adopt.ToString());
        var a = sandbox.AddVm(isolated: false);
        var b = sandbox.AddVm(isolated: false);
        Assert.True(sandbox.CocoonNet(Adopt).ExitCode == 0);
        using var kernel = InNode(sandbox);
        var bridge = kernel.ListLinks().Single(l => l.Name == "cni0");
        Assert.All(Ports(kernel, bridge.Index), p => Assert.True(p.Isolated, $"{p.Name} not isolated after adopt"));

        var off = sandbox.CocoonNet(["adopt", "--vm-isolation=false", .. Adopt[1..]]);
        Assert.True(off.ExitCode == 0, off.ToString());
        Assert.Contains("~ un-isolate VM port ", off.Stdout, StringComparison.Ordinal);
        Assert.All(Ports(kernel, bridge.Index), p => Assert.False(p.Isolated, $"{p.Name} still isolated with --vm-isolation=false"));
        Assert.Contains("\"portIsolation\": false", File.ReadAllText(sandbox.PathOf("/etc/cni/net.d/30-dnsmasq-dhcp.conflist")), StringComparison.Ordinal);
        sandbox.RemoveVm(a);
        sandbox.RemoveVm(b);
    }

    /// <summary>A netlink socket of the node's namespace (opened there: its socket is made on first use).</summary>
    private static NetlinkKernelNetwork InNode(Sandbox sandbox) => NetworkNamespace.Run(sandbox.Node, () =>
    {
        var kernel = new NetlinkKernelNetwork();
        _ = kernel.ListLinks();
        return kernel;
    });

    private static List<LinkInfo> Ports(NetlinkKernelNetwork kernel, int bridge)
    {
        var ports = kernel.ListLinks().Where(l => l.MasterIndex == bridge).ToList();
        Assert.NotEmpty(ports);
        return ports;
    }

    /// <summary>Polls the link dump (a fraction of a millisecond each) until <paramref name="port"/>'s flag is <paramref name="isolated"/>.</summary>
    private static bool WaitIsolated(NetlinkKernelNetwork kernel, string port, bool isolated, TimeSpan timeout)
    {
        var watch = Stopwatch.StartNew();
        while (watch.Elapsed < timeout)
        {
            if (kernel.ListLinks().FirstOrDefault(l => l.Name == port)?.Isolated == isolated)
            {
                return true;
            }

            Thread.Sleep(1);
        }

        return false;
    }

    private static string Summary(List<double> ms) =>
        FormattableString.Invariant($"median {ms.Order().ElementAt(ms.Count / 2):0.0} ms, max {ms.Max():0.0} ms (n={ms.Count})");
}
