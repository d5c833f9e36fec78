using System.Text.Json;
using System.Text.Json.Nodes;
using CocoonNet.Host.Status;
using CocoonNet.Node.Dhcp;
using CocoonNet.Node.Engine;
using CocoonNet.Node.Linux;
using CocoonNet.Node.Pipeline;
using CocoonNet.Node.State;
using CocoonNet.Tests.Validation;
using NSubstitute;

namespace CocoonNet.Tests.Unit.Ports;

/// <summary>Status: cni0's MTU against the effective one, and BR_ISOLATED on its VM ports, in text, JSON and problems.</summary>
public sealed class PortStatusTests
{
    private static readonly IpsSection Ips = new(3, "10.0.0.2", "10.0.0.4");
    private static readonly RoutesSection Routes = new(3, 3);
    private static readonly IptablesSection Iptables = new(true, true, []);
    private static readonly DhcpSection Dhcp = new(DhcpMode.Process, true, 4242, "/etc/dnsmasq-cni.d/cni0.conf", true, "/var/lib/misc/dnsmasq.leases", 2, "/l");
    private static readonly CniSection Cni = new("/etc/cni/net.d/30-dnsmasq-dhcp.conflist", true);

    private static BridgeSection Bridge(MtuSection mtu, IsolationSection isolation) =>
        new("cni0", true, true, true, "10.0.0.1/24") { Mtu = mtu, Isolation = isolation };

    private static StatusReport Report(BridgeSection bridge)
    {
        var problems = StatusProblems.Find(Ips, bridge, Routes, Iptables, Dhcp, Cni, null);
        return new StatusReport(StatusReport.CurrentSchemaVersion, problems.Count == 0, problems,
            new NodeSection("gke", "node-1", NodeMode.Adopt, "10.0.0.0/24", "10.0.0.1", "ens4", null, null, "2026-11-29T07:00:00Z"),
            Ips, bridge, Routes, Iptables, Dhcp, Cni, null, new StateSection("/var/lib/cocoon/net/pool.json"));
    }

    [Fact]
    public void A_healthy_node_shows_the_mtu_and_its_source_and_every_port_isolated()
    {
        var report = Report(Bridge(new MtuSection(1460, "primary NIC ens4", 1460), new IsolationSection(true, 3, 3, [])));
        Assert.True(report.Healthy);
        var text = StatusTextRenderer.Lines(report).ToList();
        Assert.Contains("MTU:        1460 (primary NIC ens4)", text);
        Assert.Contains("Isolation:  on, 3 of 3 VM ports isolated", text);
        var json = JsonSerializer.Serialize(report, StatusJsonContext.Readable.StatusReport);
        Schemas.AssertValid(Schemas.Status, json);
        var bridge = JsonNode.Parse(json)!["bridge"]!;
        Assert.Equal(1460, (int)bridge["mtu"]!["expected"]!);
        Assert.Equal(3, (int)bridge["isolation"]!["isolated"]!);
    }

    [Fact]
    public void A_wrong_mtu_and_a_port_left_open_make_the_node_degraded()
    {
        var report = Report(Bridge(new MtuSection(1400, "--mtu", 1500), new IsolationSection(true, 2, 1, ["veth2"])));
        Assert.False(report.Healthy);
        Assert.Equal(
            ["bridge cni0 has MTU 1500, not 1400 (--mtu)", "1 of 2 VM ports on cni0 are not isolated (veth2): VMs beside them can reach them"],
            report.Problems);
        Assert.Contains("MTU:        1400 (--mtu), cni0 has 1500", StatusTextRenderer.Lines(report));
        Schemas.AssertValid(Schemas.Status, JsonSerializer.Serialize(report, StatusJsonContext.Readable.StatusReport));
    }

    [Fact]
    public void Isolation_off_wants_no_flag_and_an_unknown_mtu_is_no_problem()
    {
        var report = Report(Bridge(new MtuSection(null, "primary NIC ens4", 1500), new IsolationSection(false, 2, 1, ["veth1"])));
        Assert.Equal(["1 VM port on cni0 is isolated though --vm-isolation is off (veth1)"], report.Problems);
        var text = StatusTextRenderer.Lines(report).ToList();
        Assert.Contains("MTU:        unknown (primary NIC ens4 not found), cni0 has 1500", text);
        Assert.Contains("Isolation:  off, 1 of 2 VM ports isolated", text);
    }

    [Fact]
    public void The_collector_reads_the_mtu_and_the_ports_flags_from_the_live_links()
    {
        var kernel = Substitute.For<IKernelNetwork>();
        kernel.ListLinks().Returns([
            new LinkInfo("ens4", 2, "42:01:0a:00:00:02", true, "", 0) { Mtu = 1460 },
            new LinkInfo("cni0", 7, "aa:bb:cc:dd:ee:ff", true, "bridge", 0) { Mtu = 1500 },
            new LinkInfo("vethb", 12, "02:00:00:00:00:02", true, "veth", 7) { Isolated = false },
            new LinkInfo("vetha", 11, "02:00:00:00:00:01", true, "veth", 7) { Isolated = true },
        ]);
        var collector = new HostStatusCollector(kernel, Substitute.For<IIptables>(), new DhcpServices([]), new HostPaths("/nonexistent"), TimeProvider.System);
        var state = new PoolState { Platform = "gke", NodeName = "n", Subnet = "10.0.0.0/24", PrimaryNic = "ens4", Ips = ["10.0.0.2"] };

        var bridge = collector.Bridge(NodeTarget.Of(state, DhcpServiceMode.Process, "/nonexistent"), out _);
        Assert.Equal(new MtuSection(1460, "primary NIC ens4", 1500), bridge.Mtu);
        Assert.Equal((true, 2, 1), (bridge.Isolation!.Enabled, bridge.Isolation.Ports, bridge.Isolation.Isolated));
        Assert.Equal(["vethb"], bridge.Isolation.Mismatched);

        var recorded = collector.Bridge(NodeTarget.Of(state with { Mtu = 1500, VmIsolation = false }, DhcpServiceMode.Process, "/nonexistent"), out _);
        Assert.Equal(new MtuSection(1500, "--mtu", 1500), recorded.Mtu);
        Assert.Equal(["vetha"], recorded.Isolation!.Mismatched);
    }
}
