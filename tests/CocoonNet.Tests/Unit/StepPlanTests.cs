using System.Net;
using CocoonNet.Node.Linux;
using CocoonNet.Node.Pipeline;
using CocoonNet.Node.Pipeline.Steps;
using NSubstitute;
using CocoonNet.Node.State;

namespace CocoonNet.Tests.Unit;

/// <summary>Plans are computed from desired vs live state; applying changes exactly what was planned.</summary>
public sealed class StepPlanTests
{
    private static readonly LinkInfo Bridge = new("cni0", 7, "aa:bb:cc:dd:ee:ff", true, "bridge", 0);

    private static RouteInfo OurRoute(string ip, int oif = 7) =>
        new(IPAddress.Parse(ip), 32, oif, RouteConstants.TableMain, RouteConstants.ProtocolCocoonNet, RouteConstants.ScopeLink, RouteConstants.TypeUnicast);

    /// <summary>An iptables whose nftables view cannot be read (NSubstitute would answer "" otherwise).</summary>
    private static IIptables Iptables()
    {
        var iptables = Substitute.For<IIptables>();
        iptables.LiveFingerprint(default!).ReturnsForAnyArgs((string?)null);
        return iptables;
    }

    [Fact]
    public async Task Routes_in_place_plan_nothing()
    {
        var spec = RenderingTests.Spec(pool: 3);
        var kernel = Substitute.For<IKernelNetwork>();
        kernel.ListLinks().Returns([Bridge]);
        kernel.ListRoutes(RouteConstants.TableMain).Returns(spec.Ips.Select(ip => OurRoute(ip.ToString())).ToList());
        var plan = await new RouteStep(kernel).PlanSetupAsync(spec, new HostFootprint(), CancellationToken.None);
        Assert.True(plan.IsEmpty);
    }

    [Fact]
    public async Task Missing_foreign_and_stale_routes_are_planned_and_applied_in_one_batch_each()
    {
        var spec = RenderingTests.Spec(pool: 3);
        var kernel = Substitute.For<IKernelNetwork>();
        kernel.ListLinks().Returns([Bridge]);
        var upstreamStyle = OurRoute("172.20.100.3") with { Protocol = 3 };
        var stale = OurRoute("172.20.100.200");
        kernel.ListRoutes(RouteConstants.TableMain).Returns([OurRoute("172.20.100.2"), upstreamStyle, stale]);

        var plan = await new RouteStep(kernel).PlanSetupAsync(spec, new HostFootprint(), CancellationToken.None);
        Assert.Equal(
            ["+ add 1 /32 route via cni0: 172.20.100.4", "~ take over 1 existing /32 route to pool IPs: 172.20.100.3", "- remove 1 stale /32 route: 172.20.100.200"],
            plan.Changes);

        await plan.Apply(new HostFootprint(), CancellationToken.None);
        kernel.Received(1).DeleteRoutes(Arg.Is<IReadOnlyList<RouteInfo>>(r => r.Count == 1 && r[0] == stale));
        kernel.Received(1).ReplaceRoutes(Arg.Is<IReadOnlyList<RouteInfo>>(r =>
            r.Count == 2 && r.All(x => x.Protocol == RouteConstants.ProtocolCocoonNet && x.OutputIndex == 7 && x.Scope == RouteConstants.ScopeLink)));
    }

    [Fact]
    public async Task A_non_bridge_cni0_is_refused_before_any_change()
    {
        var kernel = Substitute.For<IKernelNetwork>();
        kernel.ListLinks().Returns([Bridge with { Kind = "veth" }]);
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() =>
            new BridgeStep(kernel).PlanSetupAsync(RenderingTests.Spec(), new HostFootprint(), CancellationToken.None));
        Assert.Equal("cni0 exists but is a veth link, not a bridge; remove it or rename it first", error.Message);
        kernel.DidNotReceiveWithAnyArgs().CreateBridge(default!);
    }

    [Fact]
    public async Task Bridge_with_a_previous_gateway_swaps_only_the_address()
    {
        var kernel = Substitute.For<IKernelNetwork>();
        kernel.ListLinks().Returns([Bridge]);
        kernel.ListAddresses().Returns([new AddressInfo(7, IPAddress.Parse("10.9.0.1"), 24), new AddressInfo(7, IPAddress.Parse("192.0.2.9"), 24)]);
        var footprint = new HostFootprint { BridgeCreated = true, BridgeAddress = "10.9.0.1/24" };
        var plan = await new BridgeStep(kernel).PlanSetupAsync(RenderingTests.Spec(), footprint, CancellationToken.None);
        Assert.Equal(["- remove address 10.9.0.1/24 from cni0 (previous gateway)", "+ add address 172.20.100.1/24 to cni0"], plan.Changes);
        await plan.Apply(footprint, CancellationToken.None);
        kernel.Received(1).DeleteAddress(7, IPAddress.Parse("10.9.0.1"), 24);
        kernel.DidNotReceive().DeleteAddress(7, IPAddress.Parse("192.0.2.9"), 24);
        Assert.Equal("172.20.100.1/24", footprint.BridgeAddress);
    }

    [Fact]
    public async Task A_dotted_interface_is_a_slash_in_its_sysctl_key_and_a_dot_in_its_proc_path()
    {
        var sysctl = Substitute.For<ISysctl>();
        sysctl.Read(Arg.Any<string>()).Returns("0");
        sysctl.Read("net.ipv4.ip_forward").Returns("1");
        sysctl.Read("net.ipv4.conf.eth0/100.rp_filter").Returns("1");
        var spec = RenderingTests.Spec() with { PrimaryNic = "eth0.100" };
        var plan = await new SysctlStep(sysctl, Microsoft.Extensions.Logging.Abstractions.NullLogger<SysctlStep>.Instance)
            .PlanSetupAsync(spec, new HostFootprint(), CancellationToken.None);
        Assert.Equal(["~ net.ipv4.conf.eth0/100.rp_filter 1 -> 0"], plan.Changes);
        Assert.Equal("/proc/sys/net/ipv4/conf/eth0.100/rp_filter", ProcSysctl.PathOf("net.ipv4.conf.eth0/100.rp_filter"));
        Assert.Equal("/proc/sys/net/ipv4/ip_forward", ProcSysctl.PathOf("net.ipv4.ip_forward"));
    }

    [Fact]
    public async Task Sysctls_already_set_are_not_written()
    {
        var sysctl = Substitute.For<ISysctl>();
        sysctl.Read(Arg.Any<string>()).Returns("0");
        sysctl.Read("net.ipv4.ip_forward").Returns("1");
        sysctl.Read("net.ipv4.conf.all.rp_filter").Returns("2");
        var plan = await new SysctlStep(sysctl, Microsoft.Extensions.Logging.Abstractions.NullLogger<SysctlStep>.Instance)
            .PlanSetupAsync(RenderingTests.Spec(), new HostFootprint(), CancellationToken.None);
        Assert.Equal(["~ net.ipv4.conf.all.rp_filter 2 -> 0"], plan.Changes);
        await plan.Apply(new HostFootprint(), CancellationToken.None);
        sysctl.Received(1).Write("net.ipv4.conf.all.rp_filter", "0");
        sysctl.ReceivedWithAnyArgs(1).Write(default!, default!);
    }

    [Fact]
    public async Task Each_sysctl_writes_the_value_planned_for_it_and_a_missing_bridge_key_waits_for_the_bridge()
    {
        var spec = RenderingTests.Spec() with { Uplinks = ["eth1"] };
        var sysctl = Substitute.For<ISysctl>();
        sysctl.Read(Arg.Any<string>()).Returns("7");
        sysctl.Read("net.ipv4.conf.cni0.rp_filter").Returns((string?)null);
        var plan = await new SysctlStep(sysctl, Microsoft.Extensions.Logging.Abstractions.NullLogger<SysctlStep>.Instance)
            .PlanSetupAsync(spec, new HostFootprint(), CancellationToken.None);
        Assert.Contains("~ net.ipv4.conf.cni0.rp_filter = 0 (once cni0 exists)", plan.Changes);
        Assert.Contains("~ net.ipv4.ip_forward 7 -> 1", plan.Changes);

        await plan.Apply(new HostFootprint(), CancellationToken.None);
        var desired = SysctlStep.Desired(spec).ToList();
        Assert.Equal(desired.Count, plan.Items.Count);
        Assert.Contains(desired, s => s.Key == "net.ipv4.conf.eth1.rp_filter" && !s.Required);
        foreach (var setting in desired)
        {
            sysctl.Received(1).Write(setting.Key, setting.Value);
        }

        sysctl.ReceivedWithAnyArgs(desired.Count).Write(default!, default!);
    }

    [Fact]
    public async Task Iptables_in_place_plans_nothing_and_drift_rewrites_only_cocoon_chains()
    {
        var spec = RenderingTests.Spec();
        var rules = IptablesStep.DesiredRules(spec);
        var iptables = Iptables();
        var save = $"""
            *filter
            :INPUT ACCEPT [0:0]
            :FORWARD DROP [0:0]
            :COCOON-NET-FORWARD - [0:0]
            :COCOON-NET-INPUT - [0:0]
            -A INPUT -j COCOON-NET-INPUT
            -A FORWARD -j COCOON-NET-FORWARD
            -A FORWARD -i docker0 -j ACCEPT
            {string.Join('\n', rules[IptablesStep.ForwardChain])}
            {string.Join('\n', rules[IptablesStep.InputChain])}
            COMMIT
            *nat
            :POSTROUTING ACCEPT [0:0]
            :COCOON-NET-POSTROUTING - [0:0]
            -A POSTROUTING -j COCOON-NET-POSTROUTING
            {string.Join('\n', rules[IptablesStep.NatChain])}
            COMMIT
            """;
        iptables.SaveAsync(default).ReturnsForAnyArgs(IptablesSnapshot.Parse(save));
        var step = new IptablesStep(iptables);
        Assert.True((await step.PlanSetupAsync(spec, new HostFootprint(), CancellationToken.None)).IsEmpty);

        iptables.SaveAsync(default).ReturnsForAnyArgs(IptablesSnapshot.Parse(save.Replace("-A COCOON-NET-FORWARD -i cni0 -o cni0 -j DROP\n", "", StringComparison.Ordinal)));
        var plan = await step.PlanSetupAsync(spec, new HostFootprint(), CancellationToken.None);
        Assert.Equal(["~ rewrite chain filter/COCOON-NET-FORWARD (2 -> 3 rules)"], plan.Changes);
        var footprint = new HostFootprint();
        await plan.Apply(footprint, CancellationToken.None);
        await iptables.Received(1).RestoreAsync(
            "*filter\n:COCOON-NET-FORWARD - [0:0]\n" + string.Join('\n', rules[IptablesStep.ForwardChain]) + "\nCOMMIT\n", Arg.Any<CancellationToken>());
        Assert.True(footprint.Iptables);
    }

    [Fact]
    public async Task A_matching_rules_fingerprint_is_a_no_op_without_iptables_save()
    {
        var spec = RenderingTests.Spec();
        var iptables = Iptables();
        iptables.LiveFingerprint(default!).ReturnsForAnyArgs("nft:1");
        var step = new IptablesStep(iptables);

        // The fingerprint recorded after a write binds the live view to the rules wanted.
        iptables.SaveAsync(default).ReturnsForAnyArgs(IptablesSnapshot.Parse(""));
        var footprint = new HostFootprint();
        await (await step.PlanSetupAsync(spec, footprint, CancellationToken.None)).Apply(footprint, CancellationToken.None);
        Assert.StartsWith("nft:1-", footprint.IptablesFingerprint, StringComparison.Ordinal);
        iptables.ClearReceivedCalls();

        var plan = await step.PlanSetupAsync(spec, footprint, CancellationToken.None);
        Assert.True(plan.IsEmpty);
        await iptables.DidNotReceiveWithAnyArgs().SaveAsync(default);

        // Other rules wanted (another uplink), or a different live view: back to the full comparison.
        await step.PlanSetupAsync(RenderingTests.Spec(uplinks: ["eth9"]), footprint, CancellationToken.None);
        await iptables.ReceivedWithAnyArgs(1).SaveAsync(default);
        iptables.LiveFingerprint(default!).ReturnsForAnyArgs("nft:2");
        await step.PlanSetupAsync(spec, footprint, CancellationToken.None);
        await iptables.ReceivedWithAnyArgs(2).SaveAsync(default);
    }

    [Fact]
    public async Task Rules_in_place_without_a_fingerprint_get_one_recorded_and_an_unreadable_view_records_none()
    {
        var spec = RenderingTests.Spec();
        var rules = IptablesStep.DesiredRules(spec);
        var save = "*filter\n:COCOON-NET-FORWARD - [0:0]\n:COCOON-NET-INPUT - [0:0]\n-A INPUT -j COCOON-NET-INPUT\n-A FORWARD -j COCOON-NET-FORWARD\n"
            + string.Join('\n', rules[IptablesStep.ForwardChain]) + "\n" + string.Join('\n', rules[IptablesStep.InputChain])
            + "\nCOMMIT\n*nat\n:COCOON-NET-POSTROUTING - [0:0]\n-A POSTROUTING -j COCOON-NET-POSTROUTING\n"
            + string.Join('\n', rules[IptablesStep.NatChain]) + "\nCOMMIT\n";
        var iptables = Iptables();
        iptables.SaveAsync(default).ReturnsForAnyArgs(IptablesSnapshot.Parse(save));
        var step = new IptablesStep(iptables);

        Assert.True((await step.PlanSetupAsync(spec, new HostFootprint(), CancellationToken.None)).IsEmpty);

        iptables.LiveFingerprint(default!).ReturnsForAnyArgs("nft:1");
        var plan = await step.PlanSetupAsync(spec, new HostFootprint(), CancellationToken.None);
        Assert.Equal(["~ record the rules' fingerprint (re-runs then check them without iptables-save)"], plan.Changes);
        var footprint = new HostFootprint();
        await plan.Apply(footprint, CancellationToken.None);
        Assert.NotNull(footprint.IptablesFingerprint);
        // Recording the chains makes them cocoon-net's: a run killed after iptables-restore must not leave
        // them for good.
        Assert.True(footprint.Iptables);
        await iptables.DidNotReceiveWithAnyArgs().RestoreAsync(default!, default);
    }

    [Fact]
    public async Task Rule_counts_read_as_english_one_rule_and_several_rules()
    {
        var spec = RenderingTests.Spec();
        var iptables = Iptables();
        iptables.SaveAsync(default).ReturnsForAnyArgs(IptablesSnapshot.Parse(""));
        var create = await new IptablesStep(iptables).PlanSetupAsync(spec, new HostFootprint(), CancellationToken.None);
        Assert.Contains("+ create chain nat/COCOON-NET-POSTROUTING with 1 rule", create.Changes);
        Assert.Contains("+ create chain filter/COCOON-NET-FORWARD with 3 rules", create.Changes);

        var rules = IptablesStep.DesiredRules(spec);
        iptables.SaveAsync(default).ReturnsForAnyArgs(IptablesSnapshot.Parse(
            "*filter\n:COCOON-NET-INPUT - [0:0]\n:COCOON-NET-FORWARD - [0:0]\n-A INPUT -j COCOON-NET-INPUT\n"
            + string.Join('\n', rules[IptablesStep.InputChain]) + "\n" + string.Join('\n', rules[IptablesStep.ForwardChain]) + "\nCOMMIT\n"));
        var remove = await new IptablesStep(iptables).PlanTeardownAsync(spec, new HostFootprint { Iptables = true }, CancellationToken.None);
        Assert.Contains("- chain filter/COCOON-NET-INPUT (2 rules)", remove.Changes);
        Assert.Contains("- chain filter/COCOON-NET-FORWARD (3 rules)", remove.Changes);
        Assert.Equal("0 rules", Node.Text.Plural.Of(0, "rule"));
    }

    [Fact]
    public async Task Unmanaged_iptables_are_never_read()
    {
        var iptables = Iptables();
        var plan = await new IptablesStep(iptables).PlanSetupAsync(RenderingTests.Spec(manageIptables: false), new HostFootprint(), CancellationToken.None);
        Assert.True(plan.IsEmpty);
        Assert.Equal(["skipped (preserve existing rules; --manage-iptables to opt in)"], plan.Notes);
        await iptables.DidNotReceiveWithAnyArgs().SaveAsync(default);
    }

    [Fact]
    public async Task Iptables_teardown_removes_jumps_and_chains_in_one_transaction()
    {
        var iptables = Iptables();
        iptables.SaveAsync(default).ReturnsForAnyArgs(IptablesSnapshot.Parse(
            "*filter\n:FORWARD ACCEPT [0:0]\n:COCOON-NET-FORWARD - [0:0]\n-A FORWARD -j COCOON-NET-FORWARD\n-A FORWARD -j OTHER\nCOMMIT\n"));
        var plan = await new IptablesStep(iptables).PlanTeardownAsync(RenderingTests.Spec(), new HostFootprint { Iptables = true }, CancellationToken.None);
        await plan.Apply(new HostFootprint { Iptables = true }, CancellationToken.None);
        await iptables.Received(1).RestoreAsync("*filter\n-D FORWARD -j COCOON-NET-FORWARD\n-F COCOON-NET-FORWARD\n-X COCOON-NET-FORWARD\nCOMMIT\n", Arg.Any<CancellationToken>());
    }
}
