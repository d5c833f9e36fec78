using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using CocoonNet.Host;
using CocoonNet.Host.Status;
using CocoonNet.Node.Dhcp;
using CocoonNet.Node.Linux;
using CocoonNet.Node.Pipeline;
using CocoonNet.Node.Pipeline.Steps;
using CocoonNet.Node.State;
using CocoonNet.Tests.Validation;
using Microsoft.Extensions.Time.Testing;
using NSubstitute;

namespace CocoonNet.Tests.Unit.Flags21;

/// <summary>The drop rules and the hairpin rule in COCOON-NET-FORWARD: what is wanted, what the plan says, what status sees.</summary>
public sealed class DropRulesTests
{
    private static HostSpec Spec(bool isolation = true, bool internalAccess = false, params string[] drops) =>
        RenderingTests.Spec(subnet: "172.20.0.0/24", pool: 4, uplinks: ["eth1"]) with
        {
            VmIsolation = isolation,
            DropInternalAccess = internalAccess,
            DropCidrs = drops.Select(IPNetwork.Parse).ToList(),
        };

    [Fact]
    public void Drops_come_first_own_subnet_then_each_range_in_order_and_the_hairpin_drops_under_isolation()
    {
        Assert.Equal(
            [
                "-A COCOON-NET-FORWARD -d 172.20.0.0/24 -i cni0 -j DROP",
                "-A COCOON-NET-FORWARD -d 10.0.0.0/8 -i cni0 -j DROP",
                "-A COCOON-NET-FORWARD -d 203.0.113.7/32 -i cni0 -j DROP",
                "-A COCOON-NET-FORWARD -i ens4 -o cni0 -j ACCEPT",
                "-A COCOON-NET-FORWARD -i cni0 -o ens4 -j ACCEPT",
                "-A COCOON-NET-FORWARD -i eth1 -o cni0 -j ACCEPT",
                "-A COCOON-NET-FORWARD -i cni0 -o eth1 -j ACCEPT",
                "-A COCOON-NET-FORWARD -i cni0 -o cni0 -j DROP",
            ],
            IptablesStep.DesiredRules(Spec(true, true, "10.0.0.0/8", "203.0.113.7/32"))[IptablesStep.ForwardChain]);
    }

    [Fact]
    public void Without_isolation_the_hairpin_is_accepted_and_without_drops_there_are_none()
    {
        var forward = IptablesStep.DesiredRules(Spec(isolation: false))[IptablesStep.ForwardChain];
        Assert.DoesNotContain(forward, r => r.Contains("-d ", StringComparison.Ordinal));
        Assert.Equal("-A COCOON-NET-FORWARD -i cni0 -o cni0 -j ACCEPT", forward[^1]);
    }

    [Fact]
    public void A_drop_range_equal_to_the_own_subnet_is_one_rule()
    {
        var forward = IptablesStep.DesiredRules(Spec(true, true, "172.20.0.0/24"))[IptablesStep.ForwardChain];
        Assert.Single(forward, r => r.Contains("-d 172.20.0.0/24", StringComparison.Ordinal));
    }

    private static string Save(IEnumerable<string> forward, HostSpec spec) => string.Join('\n',
        [
            "*filter", ":FORWARD ACCEPT [0:0]", ":INPUT ACCEPT [0:0]", ":COCOON-NET-FORWARD - [0:0]", ":COCOON-NET-INPUT - [0:0]",
            "-A INPUT -j COCOON-NET-INPUT", "-A FORWARD -j COCOON-NET-FORWARD",
            .. forward, .. IptablesStep.DesiredRules(spec)[IptablesStep.InputChain], "COMMIT",
            "*nat", ":POSTROUTING ACCEPT [0:0]", ":COCOON-NET-POSTROUTING - [0:0]", "-A POSTROUTING -j COCOON-NET-POSTROUTING",
            .. IptablesStep.DesiredRules(spec)[IptablesStep.NatChain], "COMMIT", "",
        ]);

    private static async Task<StepPlan> Plan(HostSpec wanted, HostSpec live)
    {
        var iptables = Substitute.For<IIptables>();
        iptables.LiveFingerprint(default!).ReturnsForAnyArgs((string?)null);
        iptables.SaveAsync(default).ReturnsForAnyArgs(IptablesSnapshot.Parse(Save(IptablesStep.DesiredRules(live)[IptablesStep.ForwardChain], live)));
        return await new IptablesStep(iptables).PlanSetupAsync(wanted, new HostFootprint(), CancellationToken.None);
    }

    [Fact]
    public async Task The_plan_names_each_drop_added_and_removed()
    {
        var plan = await Plan(Spec(true, true, "10.0.0.0/8"), Spec(true, false, "192.168.0.0/16"));
        Assert.Equal(
            [
                "~ rewrite chain filter/COCOON-NET-FORWARD (6 -> 7 rules)",
                "+ drop VM traffic to 172.20.0.0/24 (--drop-internal-access)",
                "+ drop VM traffic to 10.0.0.0/8 (--drop-cidr)",
                "- stop dropping VM traffic to 192.168.0.0/16",
            ],
            plan.Changes);
        Assert.True((await Plan(Spec(true, true, "10.0.0.0/8"), Spec(true, true, "10.0.0.0/8"))).IsEmpty);
    }

    [Fact]
    public async Task The_plan_says_when_the_hairpin_changes()
    {
        Assert.Equal(
            ["~ rewrite chain filter/COCOON-NET-FORWARD (5 -> 5 rules)", "~ accept routed VM-to-VM traffic (cni0 -> cni0) (--vm-isolation=false)"],
            (await Plan(Spec(isolation: false), Spec(isolation: true))).Changes);
        Assert.Equal(
            ["~ rewrite chain filter/COCOON-NET-FORWARD (5 -> 5 rules)", "~ drop routed VM-to-VM traffic (cni0 -> cni0) (--vm-isolation)"],
            (await Plan(Spec(isolation: true), Spec(isolation: false))).Changes);
    }

    [Fact]
    public async Task Status_names_a_missing_drop_and_a_missing_hairpin_drop()
    {
        var spec = Spec(true, false, "10.0.0.0/8");
        var forward = IptablesStep.DesiredRules(spec)[IptablesStep.ForwardChain].Where(r => !r.Contains("DROP", StringComparison.Ordinal));
        var iptables = Substitute.For<IIptables>();
        iptables.SaveAsync(default).ReturnsForAnyArgs(IptablesSnapshot.Parse(Save(forward, spec)));
        var collector = new HostStatusCollector(Substitute.For<IKernelNetwork>(), iptables, new DhcpServices([]), new HostPaths("/nonexistent"),
            new FakeTimeProvider());

        var section = await collector.IptablesAsync(new PoolState { ManageIptables = true }, default, spec);
        Assert.False(section.Present);
        Assert.Empty(section.MissingChains);
        Assert.Equal(["drop 10.0.0.0/8", "drop cni0 -> cni0"], section.MissingRules);
        var problems = StatusProblems.Find(new IpsSection(4, "172.20.0.2", "172.20.0.5"), new BridgeSection("cni0", true, true, true, "172.20.0.1/24"),
            new RoutesSection(4, 4), section, new DhcpSection(DhcpMode.Process, true, 1, "c", true, "l", 0, null), new CniSection("x", true), null);
        Assert.Equal(
            ["iptables: COCOON-NET-FORWARD lacks drop 10.0.0.0/8, drop cni0 -> cni0 (re-run init or adopt; a running agent puts it back)"],
            problems);

        // Rules all there: intact. Unmanaged (adopt without --manage-iptables): not judged.
        iptables.SaveAsync(default).ReturnsForAnyArgs(IptablesSnapshot.Parse(Save(IptablesStep.DesiredRules(spec)[IptablesStep.ForwardChain], spec)));
        Assert.True((await collector.IptablesAsync(new PoolState { ManageIptables = true }, default, spec)).Present);
        Assert.Empty((await collector.IptablesAsync(new PoolState(), default, spec)).MissingRules);
    }

    [Fact]
    public void Status_shows_the_recorded_settings_in_text_and_json()
    {
        var node = new NodeSection("generic", "node-1", NodeMode.Adopt, "172.20.0.0/24", "172.20.0.1", "eth0", "adopt", "1.0.0", "2026-11-29T07:00:00Z")
        {
            VmIsolation = false,
            AntiSpoofing = true,
            DropInternalAccess = true,
            DropCidrs = ["10.0.0.0/8"],
            Mtu = 1400,
        };
        var iptables = new IptablesSection(true, false, []) { MissingRules = ["drop 10.0.0.0/8"] };
        var report = new StatusReport(StatusReport.CurrentSchemaVersion, false, ["x"], node, new IpsSection(1, "172.20.0.2", "172.20.0.2"),
            new BridgeSection("cni0", true, true, true, "172.20.0.1/24"), new RoutesSection(1, 1), iptables,
            new DhcpSection(DhcpMode.Process, true, 1, "c", true, "l", 0, null), new CniSection("x", true), null, new StateSection("/p"));

        var text = StatusTextRenderer.Lines(report).ToList();
        Assert.Contains("Settings:   vm-isolation off, anti-spoofing on, mtu 1400", text);
        Assert.Contains("Drops:      own subnet 172.20.0.0/24, 10.0.0.0/8", text);
        Assert.Contains("Iptables:   managed, missing drop 10.0.0.0/8", text);
        Assert.Contains("Drops:      none", StatusTextRenderer.Lines(report with { Node = node with { DropInternalAccess = false, DropCidrs = [] } }));

        var json = JsonSerializer.Serialize(report, StatusJsonContext.Readable.StatusReport);
        Schemas.AssertValid(Schemas.Status, json);
        var root = JsonNode.Parse(json)!;
        Assert.False((bool)root["node"]!["vmIsolation"]!);
        Assert.Equal("10.0.0.0/8", (string)root["node"]!["dropCidrs"]![0]!);
        Assert.Equal(1400, (int)root["node"]!["mtu"]!);
        Assert.Equal("drop 10.0.0.0/8", (string)root["iptables"]!["missingRules"]![0]!);
    }
}
