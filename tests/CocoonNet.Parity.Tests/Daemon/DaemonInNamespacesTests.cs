using System.Net;
using CocoonNet.Node.Leases;
using CocoonNet.Node.Linux;
using CocoonNet.Tests.Support;

namespace CocoonNet.Tests.Integration;

/// <summary>
/// Upstream's <c>cocoon-net daemon</c> with upstream's flags on a sandbox node adopted as upstream's daemon serves it
/// (embedded DHCP): /metrics where --metrics-addr (or COCOON_NET_METRICS_ADDR, else upstream's :9092) says, the control socket and leases.json
/// where the flags name them, and iptables left exactly as found with --skip-iptables, even a rule gone missing.
/// </summary>
[Collection(ParityCollection.Name)]
public sealed class DaemonInNamespacesTests
{
    private static readonly string[] Adopt =
        ["adopt", "--node-name", "sandbox", "--subnet", "172.20.0.0/24", "--manage-iptables", "--dhcp", "embedded", "--lease-time", "1h"];

    [PrivilegedFact]
    public void Daemon_with_upstreams_flags_serves_metrics_leases_and_the_socket_and_leaves_iptables_alone()
    {
        using var sandbox = new Sandbox();
        var adopt = sandbox.CocoonNet(Adopt);
        Assert.True(adopt.ExitCode == 0, adopt.ToString());

        // A managed node whose rules someone changed: --skip-iptables neither repairs nor removes them.
        sandbox.InNamespace(sandbox.Node, "iptables", "-F", "COCOON-NET-FORWARD");
        var rules = sandbox.IptablesSave();
        var leaseFile = LeaseFile.PathIn(sandbox.StateDirectory);
        var socket = sandbox.PathOf("/run/cocoon-net/control.sock");
        using (var daemon = new AgentProcess(sandbox,
            ["--metrics-addr", "127.0.0.1:19092", "--lease-file", leaseFile, "--skip-iptables", "--control-socket", socket],
            command: "daemon"))
        {
            Assert.True(daemon.WaitForReady(), daemon.Output);
            Assert.Equal(FileKind.Socket, Posix.Lstat(socket));

            using var clients = new DhcpClients();
            var vm = sandbox.AddVm();
            DhcpClients.SetMac(vm, DhcpClients.TestMac(0xd1));
            var address = clients.Bind(vm, DhcpClient.Udhcpc);
            Assert.True(address is not null, daemon.Output);
            Assert.Contains(LeaseFile.Read(leaseFile), l => l.Mac == DhcpClients.TestMac(0xd1) && l.Ip.ToString() == address);

            AssertPromtoolAccepts(sandbox, Metrics(sandbox, 19092));
            Assert.Equal(rules, sandbox.IptablesSave());
            Assert.False(daemon.HasExited, daemon.Output);
            Assert.True(daemon.Terminate(TimeSpan.FromSeconds(10)), daemon.Output);
        }

        // Upstream's variable sets the address when the flag is not given.
        using (var daemon = new AgentProcess(sandbox, ["--skip-iptables"],
            new Dictionary<string, string> { ["COCOON_NET_METRICS_ADDR"] = "127.0.0.1:19093" }, command: "daemon"))
        {
            Assert.True(daemon.WaitForReady(), daemon.Output);
            Assert.Contains("cocoon_net_dhcp_lease_active 1", Metrics(sandbox, 19093), StringComparison.Ordinal);
            Assert.Equal(rules, sandbox.IptablesSave());
            Assert.True(daemon.Terminate(TimeSpan.FromSeconds(10)), daemon.Output);
        }

        // Neither: as daemon, upstream's :9092, every IPv4 address (the gateway's among them), not loopback only.
        using (var daemon = new AgentProcess(sandbox, ["--skip-iptables"], command: "daemon"))
        {
            Assert.True(daemon.WaitForReady(), daemon.Output);
            Assert.Contains("cocoon_net_dhcp_lease_active 1", Metrics(sandbox, 9092, IPAddress.Parse("172.20.0.1")), StringComparison.Ordinal);
        }
    }

    private static string Metrics(Sandbox sandbox, int port, IPAddress? address = null) =>
        RawHttp.GetAsync(sandbox.Node, new IPEndPoint(address ?? IPAddress.Loopback, port), "/metrics", TimeSpan.FromSeconds(10)).GetAwaiter().GetResult() switch
        {
            (200, var body) => body,
            var (status, body) => throw new InvalidOperationException($"/metrics answered {status}: {body}"),
        };

    private static void AssertPromtoolAccepts(Sandbox sandbox, string metrics)
    {
        var file = Path.Combine(sandbox.Root, "metrics.txt");
        File.WriteAllText(file, metrics);
        var check = Shell.Run("sh", ["-c", $"promtool check metrics < '{file}'"]);
        Assert.True(check.ExitCode == 0, $"{check}\n{metrics}");
    }
}
