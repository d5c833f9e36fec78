using System.Net;
using CocoonNet.Node.Leases;
using CocoonNet.Node.Linux;
using CocoonNet.Node.Pipeline;
using CocoonNet.Node.Pipeline.Steps;
using CocoonNet.Node.PortSecurity;
using CocoonNet.Node.State;
using NSubstitute;

namespace CocoonNet.Tests.Unit.PortSecurity;

/// <summary>The portsec step plans from the live table and never flushes its binding sets.</summary>
public sealed class PortSecurityStepTests : IDisposable
{
    private const string MacA = "52:54:00:00:00:0a";
    private const string MacB = "52:54:00:00:00:0b";
    private readonly string _directory = Directory.CreateTempSubdirectory("cocoon-portsec-").FullName;
    private readonly FakeNftables _nft = new();
    private readonly IKernelNetwork _kernel = Substitute.For<IKernelNetwork>();

    public PortSecurityStepTests()
    {
        _kernel.ListLinks().Returns([
            new LinkInfo("cni0", 7, "aa:bb:cc:dd:ee:ff", true, "bridge", 0),
            new LinkInfo("vethb", 9, "aa:bb:cc:dd:ee:02", true, "veth", 7),
            new LinkInfo("vetha", 8, "aa:bb:cc:dd:ee:01", true, "veth", 7),
            new LinkInfo("eth0", 2, "aa:bb:cc:dd:ee:00", true, "device", 0),
        ]);
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private HostSpec Spec(bool antiSpoofing = true) => RenderingTests.Spec(pool: 3) with
    {
        AntiSpoofing = antiSpoofing,
        LeaseFile = LeaseFile.PathIn(_directory),
        Backend = DhcpBackend.Embedded,
    };

    private PortSecurityStep Step() => new(_nft, _kernel, new HostPaths(_directory), TimeProvider.System);

    private void Leases(params (string Mac, string Ip)[] leases) =>
        LeaseFile.Write(LeaseFile.PathIn(_directory), leases.Select(l => new Lease(l.Mac, IPAddress.Parse(l.Ip), DateTimeOffset.UtcNow.AddHours(1))).ToList());

    [Fact]
    public async Task A_missing_table_is_made_whole_with_the_ports_and_leases_in_one_transaction()
    {
        Leases((MacA, "172.20.100.2"));
        var footprint = new HostFootprint();
        var plan = await Step().PlanSetupAsync(Spec(), footprint, CancellationToken.None);
        Assert.Equal(["+ nftables table bridge cocoon: chain vm-ports-in (8 rules), 2 VM ports, 1 lease"], plan.Changes);
        Assert.Contains(PortSecurityStep.AgentNote, plan.Notes);

        await plan.Apply(footprint, CancellationToken.None);
        Assert.True(footprint.PortSecurity);
        var text = Assert.Single(_nft.Applied);
        Assert.StartsWith("add table bridge cocoon\ndelete table bridge cocoon\ntable bridge cocoon {\n", text);
        Assert.Contains("    type filter hook prerouting priority -200; policy accept;\n", text);
        Assert.Contains("  set bound_macs { type ether_addr; flags dynamic; }\n", text);
        Assert.Contains("add element bridge cocoon vm_ports { \"vetha\", \"vethb\" }\n", text);
        Assert.Contains($"add element bridge cocoon leases {{ {MacA} . 172.20.100.2 }}\n", text);
        Assert.Equal(PortSecurityRuleset.Rules.Count, text.Split('\n').Count(l => l.Contains(" comment \"cocoon ", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task A_table_in_step_plans_nothing_and_a_changed_one_keeps_its_bindings()
    {
        Leases((MacA, "172.20.100.2"));
        _nft.TablePresent = true;
        _nft.Ports.AddRange(["vetha", "vethb"]);
        _nft.Leases.Add($"{MacA} . 172.20.100.2");
        _nft.PortMacs.Add($"vetha . {MacA}");
        var footprint = new HostFootprint { PortSecurity = true };
        Assert.True((await Step().PlanSetupAsync(Spec(), footprint, CancellationToken.None)).IsEmpty);

        // B's lease ended and vethc left; A's lease is new on another address, the rules are an older version's.
        _nft.Ports.Add("vethc");
        _nft.Leases.Add($"{MacB} . 172.20.100.3");
        _nft.PortMacs.Add($"vethc . {MacB}");
        _nft.RuleComments.RemoveAt(3);
        var plan = await Step().PlanSetupAsync(Spec(), footprint, CancellationToken.None);
        Assert.Equal(
            [
                "~ rewrite chain bridge cocoon vm-ports-in (7 -> 8 rules)",
                "- VM port vethc from set vm_ports (and its bindings)",
                $"- lease {MacB} . 172.20.100.3 from set leases (and its bindings)",
            ],
            plan.Changes);
        await plan.Apply(footprint, CancellationToken.None);
        var text = Assert.Single(_nft.Applied);
        Assert.DoesNotContain("flush set", text);
        Assert.DoesNotContain("delete table", text);
        Assert.StartsWith("flush chain bridge cocoon vm-ports-in\nadd rule bridge cocoon vm-ports-in iifname != @vm_ports accept comment ", text);
        Assert.Contains("add element bridge cocoon vm_ports { \"vethc\" }\ndelete element bridge cocoon vm_ports { \"vethc\" }\n", text);
        Assert.Contains($"delete element bridge cocoon leases {{ {MacB} . 172.20.100.3 }}\n", text);
        Assert.Contains($"delete element bridge cocoon port_macs {{ \"vethc\" . {MacB} }}\n", text);
        Assert.Contains($"delete element bridge cocoon bound_macs {{ {MacB} }}\n", text);
        Assert.Contains("delete element bridge cocoon bound_ports { \"vethc\" }\n", text);
        Assert.DoesNotContain(MacA, text.Split('\n').Where(l => l.StartsWith("delete", StringComparison.Ordinal)).Aggregate("", string.Concat));
    }

    [Fact]
    public async Task A_chain_on_another_priority_is_recreated()
    {
        _nft.TablePresent = true;
        _nft.Priority = 0;
        var plan = await Step().PlanSetupAsync(Spec(), new HostFootprint(), CancellationToken.None);
        Assert.Equal(["~ recreate nftables table bridge cocoon (its chain or sets are not as cocoon-net makes them; VMs bind again on their next packet)"], plan.Changes);
    }

    [Fact]
    public async Task Anti_spoofing_off_and_teardown_delete_the_table()
    {
        _nft.TablePresent = true;
        var footprint = new HostFootprint { PortSecurity = true };
        var off = await Step().PlanSetupAsync(Spec(antiSpoofing: false), footprint, CancellationToken.None);
        Assert.Equal(["- nftables table bridge cocoon (--anti-spoofing is off)"], off.Changes);

        var teardown = await Step().PlanTeardownAsync(Spec(), footprint, CancellationToken.None);
        Assert.Equal(["- nftables table bridge cocoon"], teardown.Changes);
        await teardown.Apply(footprint, CancellationToken.None);
        Assert.Equal(["delete table bridge cocoon\n"], _nft.Applied);
        Assert.False(footprint.PortSecurity);

        _nft.TablePresent = false;
        Assert.True((await Step().PlanTeardownAsync(Spec(), footprint, CancellationToken.None)).IsEmpty);
        Assert.True((await Step().PlanSetupAsync(Spec(antiSpoofing: false), footprint, CancellationToken.None)).IsEmpty);
    }

    [Fact]
    public async Task Without_nft_anti_spoofing_off_and_teardown_pass_and_on_fails_naming_the_package()
    {
        var missing = Substitute.For<INftables>();
        missing.ListAsync(default!, default).ReturnsForAnyArgs<System.Text.Json.JsonDocument?>(
            _ => throw new NftUnavailableException("nft (package nftables) cannot be run: no such file", new InvalidOperationException()));
        var step = new PortSecurityStep(missing, _kernel, new HostPaths(_directory), TimeProvider.System);
        var off = await step.PlanSetupAsync(Spec(antiSpoofing: false), new HostFootprint(), CancellationToken.None);
        Assert.True(off.IsEmpty);
        Assert.Equal(["skipped (nft is not installed)"], off.Notes);
        Assert.True((await step.PlanTeardownAsync(Spec(), new HostFootprint(), CancellationToken.None)).IsEmpty);
        var on = await Assert.ThrowsAsync<NftUnavailableException>(() => step.PlanSetupAsync(Spec(), new HostFootprint(), CancellationToken.None));
        Assert.StartsWith("nft (package nftables) cannot be run", on.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_dnsmasq_node_without_leases_json_is_seeded_from_dnsmasqs_file()
    {
        var paths = new HostPaths(_directory);
        Directory.CreateDirectory(Path.GetDirectoryName(paths.DnsmasqLeaseFile)!);
        var later = DateTimeOffset.UtcNow.AddHours(1).ToUnixTimeSeconds();
        File.WriteAllText(paths.DnsmasqLeaseFile, $"{later} 52:54:00:00:00:0A 172.20.100.2 vm1 *\n{later} 52:54:00:00:00:0c 10.9.9.9 other *\n1 52:54:00:00:00:0d 172.20.100.4 old *\n");
        var spec = Spec() with { Backend = DhcpBackend.Dnsmasq };
        Assert.Equal([$"{MacA} . 172.20.100.2"], PortSecurityLeases.Desired(spec.Backend, spec.LeaseFile, spec.Ips, paths, DateTimeOffset.UtcNow));
    }

    [Fact]
    public void The_footprint_flag_is_left_out_of_pool_json_while_false()
    {
        var state = new PoolState { Platform = "generic", NodeName = "n", Subnet = "10.0.0.0/24", Gateway = "10.0.0.1", Mode = PoolState.ModeAdopt };
        Assert.DoesNotContain("portSecurity", PoolStateJson.Write(state));
        state.Host.PortSecurity = true;
        Assert.Contains("\"portSecurity\": true", PoolStateJson.Write(state));
        Assert.True(PoolStateJson.Read(PoolStateJson.Write(state)).Host.PortSecurity);
    }
}
