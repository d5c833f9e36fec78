using CocoonNet.Node.Dhcp;
using CocoonNet.Node.Linux;
using CocoonNet.Node.Pipeline;
using CocoonNet.Node.State;
using CocoonNet.Host.Status;
using Microsoft.Extensions.Time.Testing;
using NSubstitute;

namespace CocoonNet.Tests.Unit;

/// <summary>The host facts status derives from files and iptables-save, without a kernel.</summary>
public sealed class HostStatusCollectorTests : IDisposable
{
    private static readonly DateTimeOffset Now = DateTimeOffset.FromUnixTimeSeconds(1_800_000_000);
    private readonly string _root = Path.Combine(Path.GetTempPath(), $"cocoon-status-host-{Guid.NewGuid():N}");
    private readonly IIptables _iptables = Substitute.For<IIptables>();
    private readonly IDhcpService _process = Substitute.For<IDhcpService>();
    private readonly IDhcpService _systemd = Substitute.For<IDhcpService>();
    private readonly HostStatusCollector _collector;
    private readonly HostPaths _paths;

    public HostStatusCollectorTests()
    {
        _paths = new HostPaths(_root);
        _process.Mode.Returns("process");
        _systemd.Mode.Returns("systemd");
        _collector = new HostStatusCollector(Substitute.For<IKernelNetwork>(), _iptables, new DhcpServices([_process, _systemd]), _paths, new FakeTimeProvider(Now));
    }

    public void Dispose()
    {
        if (Directory.Exists(_root))
        {
            Directory.Delete(_root, recursive: true);
        }
    }

    [Fact]
    public async Task Active_leases_are_the_unexpired_and_infinite_ones_in_dnsmasqs_lease_file()
    {
        Directory.CreateDirectory(Path.GetDirectoryName(_paths.DnsmasqLeaseFile)!);
        await File.WriteAllLinesAsync(_paths.DnsmasqLeaseFile,
        [
            $"{Now.ToUnixTimeSeconds() + 3600} 02:00:00:00:00:01 172.20.0.2 vm1 01:02:00:00:00:00:01",
            $"{Now.ToUnixTimeSeconds() - 1} 02:00:00:00:00:02 172.20.0.3 vm2 *",
            "0 02:00:00:00:00:03 172.20.0.4 * *",
            "duid 00:01:00:01:2c:00:00:00:02:00:00:00:00:04",
        ]);
        _process.RunningPidAsync(default).ReturnsForAnyArgs(4242);

        var dhcp = await _collector.DhcpAsync(new PoolState { Host = new HostFootprint { DhcpService = "process" } }, default);
        Assert.Equal(2, dhcp.ActiveLeases);
        Assert.Equal(DhcpMode.Process, dhcp.Mode);
        Assert.Equal(4242, dhcp.Pid);
        Assert.Equal(_paths.DnsmasqLogFile, dhcp.LogFile);
    }

    [Fact]
    public async Task Systemd_mode_has_no_log_file_and_an_unrecorded_mode_is_found_by_what_runs()
    {
        _systemd.RunningPidAsync(default).ReturnsForAnyArgs(77);
        var dhcp = await _collector.DhcpAsync(new PoolState(), default);
        Assert.Equal(DhcpMode.Systemd, dhcp.Mode);
        Assert.True(dhcp.Running);
        Assert.Null(dhcp.LogFile);
        Assert.Equal(0, dhcp.ActiveLeases);
    }

    [Fact]
    public async Task A_chain_without_rules_or_without_its_jump_is_missing_and_unmanaged_rules_are_not_read()
    {
        _iptables.SaveAsync(default).ReturnsForAnyArgs(IptablesSnapshot.Parse("""
            *filter
            :FORWARD ACCEPT [0:0]
            :INPUT ACCEPT [0:0]
            :COCOON-NET-FORWARD - [0:0]
            :COCOON-NET-INPUT - [0:0]
            -A FORWARD -j COCOON-NET-FORWARD
            -A COCOON-NET-FORWARD -i cni0 -o cni0 -j ACCEPT
            -A COCOON-NET-INPUT -i cni0 -p udp -m udp --dport 67 -j ACCEPT
            COMMIT
            *nat
            :POSTROUTING ACCEPT [0:0]
            :COCOON-NET-POSTROUTING - [0:0]
            -A POSTROUTING -j COCOON-NET-POSTROUTING
            COMMIT
            """));
        var iptables = await _collector.IptablesAsync(new PoolState { ManageIptables = true }, default);
        Assert.False(iptables.Present);
        Assert.Equal(["filter/COCOON-NET-INPUT", "nat/COCOON-NET-POSTROUTING"], iptables.MissingChains);

        var unmanaged = await _collector.IptablesAsync(new PoolState(), default);
        Assert.False(unmanaged.Managed);
        Assert.Null(unmanaged.Present);
        Assert.Empty(unmanaged.MissingChains);
        await _iptables.ReceivedWithAnyArgs(1).SaveAsync(default);
    }

    private static Node.Engine.NodeTarget Target(string? dhcp) => Node.Engine.NodeTarget.Of(
        new PoolState { Subnet = "172.20.0.0/24", Ips = ["172.20.0.2", "172.20.0.3"], Dhcp = dhcp }, DhcpServiceMode.Process, "/unused");

    [Fact]
    public void Leases_json_counts_the_pools_unexpired_leases_and_the_socket_only_when_it_is_one()
    {
        var state = Path.Combine(_root, "state");
        Directory.CreateDirectory(state);
        var now = Now;
        Node.Leases.LeaseFile.Write(Node.Leases.LeaseFile.PathIn(state),
        [
            new Node.Leases.Lease("02:00:00:00:00:01", System.Net.IPAddress.Parse("172.20.0.2"), now.AddMinutes(5)),
            new Node.Leases.Lease("02:00:00:00:00:02", System.Net.IPAddress.Parse("172.20.0.3"), now.AddMinutes(-5)),
            new Node.Leases.Lease("02:00:00:00:00:03", System.Net.IPAddress.Parse("10.1.1.1"), now.AddMinutes(5)),
        ]);
        Directory.CreateDirectory(_paths.RunDirectory);
        File.WriteAllText(_paths.ControlSocket, "not a socket");

        var leases = _collector.Leases(Target("embedded"), state, out var leased);
        Assert.Equal(new LeasesSection(Node.Leases.LeaseFile.PathIn(state), true, 1, null, _paths.ControlSocket, false), leases);
        Assert.Equal([System.Net.IPAddress.Parse("172.20.0.2")], leased);

        File.WriteAllText(Node.Leases.LeaseFile.PathIn(state), "nonsense");
        var unreadable = _collector.Leases(Target("embedded"), state, out _);
        Assert.Equal(0, unreadable.Active);
        Assert.StartsWith(Node.Leases.LeaseFile.PathIn(state) + " is not a lease file", unreadable.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Embedded_nodes_report_the_backend_and_their_own_conflist_without_asking_for_dnsmasq()
    {
        var dhcp = await _collector.DhcpAsync(new PoolState { Dhcp = "embedded", Host = new HostFootprint { DhcpService = "process" } }, default);
        Assert.Equal("embedded", dhcp.Backend);
        Assert.Null(dhcp.Mode);
        await _process.DidNotReceiveWithAnyArgs().RunningPidAsync(default);
        Assert.Equal(_paths.EmbeddedCniConfigFile, _collector.Cni(Node.Leases.DhcpBackend.Embedded).Conflist);
        Assert.Equal(_paths.CniConfigFile, _collector.Cni().Conflist);
    }
}
