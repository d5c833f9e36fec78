using CocoonNet.Node.Dhcp;
using CocoonNet.Node.Linux;
using CocoonNet.Node.Pipeline.Steps;
using CocoonNet.Node.Text;
using NSubstitute;

namespace CocoonNet.Tests.Unit;

/// <summary>
/// The writers of line-based text refuse a value that would add a line or an argument of its own, whatever
/// validated it before (here: nothing did). Each message stays on one line and shows the value escaped.
/// </summary>
public sealed class ConfigInjectionTests
{
    [Theory]
    [InlineData("eth0\ndhcp-script=/tmp/x")]
    [InlineData("eth0\rdhcp-script=/tmp/x")]
    [InlineData("eth0\u2028dhcp-script=/tmp/x")]
    [InlineData("eth0 x")]
    [InlineData("../../x")]
    public void The_dnsmasq_renderer_refuses_an_interface_that_is_not_one(string nic)
    {
        var e = Assert.Throws<InvalidOperationException>(() => DnsmasqConfigRenderer.Render(RenderingTests.Spec(primaryNic: nic), "/var/lib/misc/dnsmasq.leases"));
        Assert.StartsWith("refusing to write the dnsmasq config: except-interface \"", e.Message);
        Assert.DoesNotContain('\n', e.Message);
        Assert.DoesNotContain('\r', e.Message);
        Assert.DoesNotContain('\u2028', e.Message);
    }

    [Fact]
    public void The_dnsmasq_renderer_refuses_a_lease_file_with_a_line_break_or_not_absolute()
    {
        Assert.Contains("dhcp-leasefile \"/l\\ndhcp-script=/tmp/x\"",
            Assert.Throws<InvalidOperationException>(() => DnsmasqConfigRenderer.Render(RenderingTests.Spec(), "/l\ndhcp-script=/tmp/x")).Message);
        Assert.Throws<InvalidOperationException>(() => DnsmasqConfigRenderer.Render(RenderingTests.Spec(), "leases"));
        Assert.Throws<InvalidOperationException>(() => DnsmasqConfigRenderer.Render(RenderingTests.Spec(), ""));
    }

    [Fact]
    public void The_dnsmasq_renderer_refuses_an_address_that_is_not_ipv4()
    {
        var spec = RenderingTests.Spec() with { Dns = [System.Net.IPAddress.Parse("fe80::1%2")] };
        Assert.Contains("is not IPv4", Assert.Throws<InvalidOperationException>(() => DnsmasqConfigRenderer.Render(spec, "/l")).Message);
    }

    [Theory]
    [InlineData("eth0\n-A INPUT -j ACCEPT", null)]
    [InlineData("eth0 -j ACCEPT", null)]
    [InlineData("eth+", null)]
    [InlineData("!eth0", null)]
    [InlineData("eth0", "up0\n-I INPUT 1 -j ACCEPT")]
    public void The_iptables_rules_refuse_an_interface_that_is_not_one(string nic, string? uplink)
    {
        var spec = RenderingTests.Spec(primaryNic: nic, uplinks: uplink is null ? [] : [uplink]);
        var e = Assert.Throws<InvalidOperationException>(() => IptablesStep.DesiredRules(spec));
        Assert.StartsWith("refusing to run iptables-restore: interface \"", e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public async Task Iptables_restore_input_acts_only_on_cocoon_nets_chains_and_lines_stay_lines()
    {
        var runner = Substitute.For<IProcessRunner>();
        var iptables = new IptablesCommands(runner);
        var rules = IptablesStep.DesiredRules(RenderingTests.Spec(uplinks: ["up0"]));
        var good = "*filter\n:COCOON-NET-FORWARD - [0:0]\n" + string.Join("\n", rules[IptablesStep.ForwardChain])
            + "\n-I FORWARD 1 -j COCOON-NET-FORWARD\n-D INPUT -j COCOON-NET-INPUT\n-F COCOON-NET-INPUT\n-X COCOON-NET-INPUT\nCOMMIT\n";
        IptablesArguments.CheckTransaction(good);

        foreach (var bad in new[]
        {
            "*filter\n-A INPUT -j ACCEPT\nCOMMIT\n",
            "*filter\n-I INPUT 1 -j ACCEPT\nCOMMIT\n",
            "*filter\n-F INPUT\nCOMMIT\n",
            "*filter\n:INPUT ACCEPT [0:0]\nCOMMIT\n",
            "*filter\n-A COCOON-NET-FORWARD -i eth0\r-o cni0 -j ACCEPT\nCOMMIT\n",
            "*filter\n-P INPUT ACCEPT\nCOMMIT\n",
        })
        {
            var e = await Assert.ThrowsAsync<InvalidOperationException>(() => iptables.RestoreAsync(bad, CancellationToken.None));
            Assert.Contains("does not act on a chain of cocoon-net's", e.Message);
            Assert.DoesNotContain('\n', e.Message);
        }

        // Refused before iptables-restore ever ran.
        await runner.DidNotReceiveWithAnyArgs().RunAsync(default!, default!, default, default);
    }

    [Theory]
    [InlineData("..")]
    [InlineData(".")]
    [InlineData("eth0\n")]
    [InlineData("a b")]
    public void A_sysctl_key_built_from_an_interface_name_never_leaves_its_level(string nic)
    {
        var spec = RenderingTests.Spec(primaryNic: nic);
        var keys = SysctlStep.Desired(spec).Select(s => s.Key).ToList();
        var nicKey = Assert.Single(keys, k => k.StartsWith("net.ipv4.conf.", StringComparison.Ordinal) && !k.Contains(".all.", StringComparison.Ordinal)
            && !k.Contains(".default.", StringComparison.Ordinal) && !k.Contains(".cni0.", StringComparison.Ordinal));
        var e = Assert.Throws<InvalidOperationException>(() => ProcSysctl.PathOf(nicKey));
        Assert.StartsWith("refusing sysctl key", e.Message);
        Assert.DoesNotContain('\n', e.Message);
        Assert.Equal("/proc/sys/net/ipv4/conf/eth0.100/rp_filter", ProcSysctl.PathOf("net.ipv4.conf.eth0/100.rp_filter"));
    }

    [Fact]
    public void The_systemd_unit_refuses_a_path_it_would_split_or_expand()
    {
        foreach (var root in new[] { "/tmp/a\nExecStartPre=/tmp/x", "/tmp/a b", "/tmp/%h" })
        {
            var service = new SystemdDhcpService(new HostPaths(root), Substitute.For<IProcessRunner>());
            Assert.StartsWith("refusing to write dnsmasq-cni.service: path \"", Assert.Throws<InvalidOperationException>(() => service.UnitText).Message);
        }

        Assert.Contains("--conf-file=/etc/dnsmasq-cni.d/cni0.conf", new SystemdDhcpService(new HostPaths("/"), Substitute.For<IProcessRunner>()).UnitText);
    }

    [Fact]
    public void Quoting_escapes_line_breaks_and_cuts_long_values()
    {
        Assert.Equal("\"a\\nb\\r\\t\\u0000\\u2028\\\"\\\\\"", ConfigText.Quote("a\nb\r\t\0\u2028\"\\"));
        Assert.Equal("\"xxx...\"", ConfigText.Quote("xxxxx", 3));
        Assert.False(ConfigText.IsOneLine("a\u0085b"));
        Assert.False(ConfigText.IsToken("a\u00a0b"));
        Assert.True(ConfigText.IsToken("/var/lib/misc/dnsmasq.leases"));
    }
}
