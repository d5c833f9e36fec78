using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using CocoonNet.Host;
using CocoonNet.Host.Operations;
using CocoonNet.Host.Status;
using CocoonNet.Node.Dhcp;
using CocoonNet.Node.Leases;
using CocoonNet.Node.Linux;
using CocoonNet.Node.Pipeline;
using CocoonNet.Node.Pipeline.Steps;
using CocoonNet.Node.State;
using CocoonNet.Tests.Validation;
using Microsoft.Extensions.Time.Testing;
using NSubstitute;

namespace CocoonNet.Tests.Unit;

/// <summary>
/// The DHCP backend choice (<c>--dhcp</c>, <c>--lease-time</c>): how it is validated and recorded, what each step plans
/// in either backend (so switching converges), and what status says about it.
/// </summary>
public sealed class DhcpBackendSwitchTests : IDisposable
{
    private static readonly LinkInfo Bridge = new("cni0", 7, "aa:bb:cc:dd:ee:ff", true, "bridge", 0);
    private static readonly DateTimeOffset Now = new(2026, 12, 6, 12, 0, 0, TimeSpan.Zero);

    private readonly string _root = Path.Combine(Path.GetTempPath(), $"cocoon-dhcp-switch-{Guid.NewGuid():N}");

    public DhcpBackendSwitchTests() => Directory.CreateDirectory(_root);

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private static HostSpec Embedded(int pool = 4) => RenderingTests.Spec(pool: pool) with { Backend = DhcpBackend.Embedded };

    private static RouteInfo OurRoute(string ip) =>
        new(IPAddress.Parse(ip), 32, 7, RouteConstants.TableMain, RouteConstants.ProtocolCocoonNet, RouteConstants.ScopeLink, RouteConstants.TypeUnicast);

    [Theory]
    [InlineData("24h", 86400)]
    [InlineData("30m", 1800)]
    [InlineData("3600s", 3600)]
    [InlineData("7200", 7200)]
    [InlineData("2m", 120)]
    [InlineData("365d", 31536000)]
    public void Lease_times_parse_to_seconds(string text, int seconds) => Assert.Equal(seconds, NodeRequestValidator.ParseLeaseTime(text));

    [Theory]
    [InlineData("119s")]
    [InlineData("366d")]
    [InlineData("99999999999999999999h")]
    [InlineData("1w")]
    [InlineData("")]
    public void Lease_times_out_of_range_or_malformed_are_usage_errors(string text) =>
        Assert.Throws<UsageException>(() => NodeRequestValidator.ParseLeaseTime(text));

    [Fact]
    public void The_record_follows_the_flags_and_a_re_run_without_them_keeps_what_was_recorded()
    {
        var request = NodeRequestValidator.Validate(
            new NodeInput(null, "n", IPNetwork.Parse("10.0.0.0/24"), 4, null, null, [], "/tmp/x", false, null) { Dhcp = DhcpBackend.Embedded, LeaseSeconds = 3600 },
            NodeRequestValidator.DefaultAdoptPoolSize);
        Assert.Equal(("embedded", 3600), request.DhcpRecord(null));

        var recorded = new PoolState { Dhcp = "embedded", LeaseSeconds = 3600 };
        var rerun = request with { Dhcp = null, LeaseSeconds = null };
        Assert.Equal(("embedded", 3600), rerun.DhcpRecord(recorded));

        // dnsmasq and the default lease time are recorded as absent: a node that never chose keeps its bytes.
        Assert.Equal(((string?)null, (int?)null), (request with { Dhcp = DhcpBackend.Dnsmasq, LeaseSeconds = 86400 }).DhcpRecord(recorded));
        Assert.Equal(((string?)null, (int?)null), rerun.DhcpRecord(null));
    }

    [Theory]
    [InlineData(86400, "24h")]
    [InlineData(1800, "30m")]
    [InlineData(3601, "3601")]
    public void The_dnsmasq_config_gives_the_lease_time(int seconds, string rendered)
    {
        var spec = RenderingTests.Spec(pool: 2) with { LeaseTime = TimeSpan.FromSeconds(seconds) };
        Assert.Contains($"dhcp-range=172.20.100.2,172.20.100.3,255.255.255.0,{rendered}\n", DnsmasqConfigRenderer.Render(spec, "/var/lib/misc/dnsmasq.leases"));
    }

    [Fact]
    public async Task The_embedded_conflist_is_cocoon_dhcp_and_replaces_ours_of_dnsmasq()
    {
        var paths = new HostPaths(_root);
        Directory.CreateDirectory(Path.GetDirectoryName(paths.CniConfigFile)!);
        File.WriteAllText(paths.CniConfigFile, CniConfigStep.Conflist);
        var footprint = new HostFootprint { Files = [paths.CniConfigFile] };

        var plan = await new CniConfigStep(paths).PlanSetupAsync(Embedded(), footprint, CancellationToken.None);
        Assert.Equal([$"+ write {paths.EmbeddedCniConfigFile}", $"- remove {paths.CniConfigFile}"], plan.Changes);
        await plan.Apply(footprint, CancellationToken.None);
        Assert.False(File.Exists(paths.CniConfigFile));
        Assert.Equal("cocoon-dhcp", JsonNode.Parse(File.ReadAllText(paths.EmbeddedCniConfigFile))!["name"]!.GetValue<string>());
        Assert.Equal(CniConfigStep.Conflist.Replace("dnsmasq-dhcp", "cocoon-dhcp", StringComparison.Ordinal), File.ReadAllText(paths.EmbeddedCniConfigFile));
        Assert.Equal([paths.EmbeddedCniConfigFile], footprint.Files);

        // Back to dnsmasq: its own conflist again, ours of the embedded backend goes; teardown removes whichever is ours.
        var back = await new CniConfigStep(paths).PlanSetupAsync(RenderingTests.Spec(pool: 4), footprint, CancellationToken.None);
        Assert.Equal([$"+ write {paths.CniConfigFile}", $"- remove {paths.EmbeddedCniConfigFile}"], back.Changes);
        await back.Apply(footprint, CancellationToken.None);
        Assert.Equal(CniConfigStep.Conflist, File.ReadAllText(paths.CniConfigFile));
        var teardown = await new CniConfigStep(paths).PlanTeardownAsync(Embedded(), footprint, CancellationToken.None);
        Assert.Equal([$"- remove {paths.CniConfigFile}"], teardown.Changes);
    }

    [Fact]
    public async Task A_conflist_of_the_other_backend_that_is_not_ours_is_left_alone()
    {
        var paths = new HostPaths(_root);
        Directory.CreateDirectory(Path.GetDirectoryName(paths.CniConfigFile)!);
        File.WriteAllText(paths.CniConfigFile, "{}");
        var plan = await new CniConfigStep(paths).PlanSetupAsync(Embedded(), new HostFootprint(), CancellationToken.None);
        Assert.Equal([$"+ write {paths.EmbeddedCniConfigFile}"], plan.Changes);
    }

    [Fact]
    public async Task Embedded_routes_only_active_leases_of_the_pool_and_removes_ours_for_the_rest()
    {
        var leases = Path.Combine(_root, "leases.json");
        LeaseFile.Write(leases,
        [
            new Lease("02:00:00:00:00:01", IPAddress.Parse("172.20.100.3"), Now.AddHours(1)),
            new Lease("02:00:00:00:00:02", IPAddress.Parse("172.20.100.4"), Now.AddHours(-1)), // expired
            new Lease("02:00:00:00:00:03", IPAddress.Parse("10.9.9.9"), Now.AddHours(1)), // not a pool address
        ]);
        var kernel = Substitute.For<IKernelNetwork>();
        kernel.ListLinks().Returns([Bridge]);
        // What dnsmasq mode left: a route per pool IP.
        kernel.ListRoutes(RouteConstants.TableMain).Returns([OurRoute("172.20.100.2"), OurRoute("172.20.100.4"), OurRoute("172.20.100.5")]);
        var spec = Embedded() with { LeaseFile = leases };

        var plan = await new RouteStep(kernel, new FakeTimeProvider(Now)).PlanSetupAsync(spec, new HostFootprint(), CancellationToken.None);
        Assert.Equal(
            ["+ add 1 /32 route via cni0: 172.20.100.3", "- remove 3 stale /32 routes: 172.20.100.2, 172.20.100.4-172.20.100.5"],
            plan.Changes);

        // No lease file yet: no route at all.
        var none = await new RouteStep(kernel, new FakeTimeProvider(Now)).PlanSetupAsync(Embedded() with { LeaseFile = Path.Combine(_root, "none.json") }, new HostFootprint(), CancellationToken.None);
        Assert.Equal(["- remove 3 stale /32 routes: 172.20.100.2, 172.20.100.4-172.20.100.5"], none.Changes);
    }

    [Fact]
    public async Task An_unreadable_lease_file_keeps_the_routes_there_adds_none_and_says_so()
    {
        var leases = Path.Combine(_root, "leases.json");
        File.WriteAllText(leases, "{not json");
        var kernel = Substitute.For<IKernelNetwork>();
        kernel.ListLinks().Returns([Bridge]);
        kernel.ListRoutes(RouteConstants.TableMain).Returns([OurRoute("172.20.100.2"), OurRoute("172.20.100.200")]);

        var plan = await new RouteStep(kernel, new FakeTimeProvider(Now)).PlanSetupAsync(Embedded() with { LeaseFile = leases }, new HostFootprint(), CancellationToken.None);
        Assert.Equal(["- remove 1 stale /32 route: 172.20.100.200"], plan.Changes);
        Assert.Contains(plan.Notes, n => n.StartsWith("keeping the /32 routes in place, adding none: ", StringComparison.Ordinal) && n.Contains(leases, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Dnsmasq_mode_still_routes_every_pool_address_whatever_leases_json_says()
    {
        var kernel = Substitute.For<IKernelNetwork>();
        kernel.ListLinks().Returns([Bridge]);
        kernel.ListRoutes(RouteConstants.TableMain).Returns([]);
        var plan = await new RouteStep(kernel).PlanSetupAsync(RenderingTests.Spec(pool: 4) with { LeaseFile = Path.Combine(_root, "none.json") }, new HostFootprint(), CancellationToken.None);
        Assert.Equal(["+ add 4 /32 routes via cni0: 172.20.100.2-172.20.100.5"], plan.Changes);
    }

    [Fact]
    public async Task Embedded_setup_removes_what_dnsmasq_mode_owned()
    {
        var paths = new HostPaths(_root);
        var step = new DnsmasqStep(paths, new DhcpServices([new SystemdDhcpService(paths, Substitute.For<IProcessRunner>()), new ProcessDhcpService(paths, Substitute.For<IProcessRunner>())]));
        Directory.CreateDirectory(Path.GetDirectoryName(paths.DnsmasqConfigFile)!);
        File.WriteAllText(paths.DnsmasqConfigFile, "interface=cni0\n");
        var footprint = new HostFootprint { DhcpService = "process", Files = [paths.DnsmasqConfigFile] };

        var plan = await step.PlanSetupAsync(Embedded(), footprint, CancellationToken.None);
        Assert.Equal(["~ forget dnsmasq-cni ownership (not running)", $"- remove {paths.DnsmasqConfigFile}"], plan.Changes);
        Assert.Equal(["--dhcp embedded: removing the dnsmasq-cni that cocoon-net ran before"], plan.Notes);
        await plan.Apply(footprint, CancellationToken.None);
        Assert.False(File.Exists(paths.DnsmasqConfigFile));
        Assert.Null(footprint.DhcpService);
        Assert.Empty(footprint.Files);

        // Converged: nothing more to do, nothing said.
        var again = await step.PlanSetupAsync(Embedded(), footprint, CancellationToken.None);
        Assert.Empty(again.Lines);
    }

    [Fact]
    public async Task Teardown_removes_leases_json_and_the_socket_but_never_what_is_not_a_file_or_a_socket()
    {
        var paths = new HostPaths(_root);
        var leases = Path.Combine(_root, "state", "leases.json");
        Directory.CreateDirectory(Path.GetDirectoryName(leases)!);
        LeaseFile.Write(leases, []);
        Directory.CreateDirectory(paths.RunDirectory);
        // Kept open: .NET unlinks a socket file it bound when the socket is disposed.
        using var socket = new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.Unix, System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Unspecified);
        socket.Bind(new System.Net.Sockets.UnixDomainSocketEndPoint(paths.ControlSocket));

        var step = new LeaseFilesStep(paths);
        var spec = RenderingTests.Spec() with { LeaseFile = leases };
        var plan = await step.PlanTeardownAsync(spec, new HostFootprint(), CancellationToken.None);
        Assert.Equal([$"- remove {leases}", $"- remove {paths.ControlSocket}"], plan.Changes);
        await plan.Apply(new HostFootprint(), CancellationToken.None);
        Assert.False(File.Exists(leases));
        Assert.Equal(FileKind.Missing, Posix.Lstat(paths.ControlSocket));

        // A link planted as leases.json, a file where the socket was: kept, and said.
        var target = Path.Combine(_root, "precious");
        File.WriteAllText(target, "x");
        File.CreateSymbolicLink(leases, target);
        File.WriteAllText(paths.ControlSocket, "not a socket");
        var planted = await step.PlanTeardownAsync(spec, new HostFootprint(), CancellationToken.None);
        Assert.Empty(planted.Changes);
        Assert.Equal([$"keeping {leases}: not a regular file", $"keeping {paths.ControlSocket}: not a socket"], planted.Notes);
        Assert.True(File.Exists(target));
    }

    private static StatusReport Report(DhcpSection dhcp, CniSection cni, AgentSection? agent, LeasesSection leases)
    {
        var ips = new IpsSection(3, "10.0.0.2", "10.0.0.4");
        var bridge = new BridgeSection("cni0", true, true, true, "10.0.0.1/24");
        var routes = new RoutesSection(1, 1);
        var iptables = new IptablesSection(true, true, []);
        var problems = StatusProblems.Find(ips, bridge, routes, iptables, dhcp, cni, null, agent is not null);
        return new StatusReport(
            StatusReport.CurrentSchemaVersion, problems.Count == 0, problems,
            new NodeSection("generic", "node-1", NodeMode.Adopt, "10.0.0.0/24", "10.0.0.1", "eth0", "adopt", "1.0.0", "2026-11-29T07:00:00Z"),
            ips, bridge, routes, iptables, dhcp, cni, null, new StateSection("/var/lib/cocoon/net/pool.json"), agent, leases,
            StatusProblems.Notes(dhcp, agent is not null));
    }

    private static readonly LeasesSection SomeLeases = new("/var/lib/cocoon/net/leases.json", true, 1, null, "/run/cocoon-net/control.sock", false);

    [Fact]
    public void Embedded_without_an_agent_is_degraded_and_says_how_to_start_it()
    {
        var dhcp = new DhcpSection(null, false, null, "/etc/dnsmasq-cni.d/cni0.conf", false, "/var/lib/misc/dnsmasq.leases", 0, null, "embedded");
        var report = Report(dhcp, new CniSection("/etc/cni/net.d/30-cocoon-dhcp.conflist", true), null, SomeLeases);
        Assert.False(report.Healthy);
        Assert.Equal(
            ["no DHCP is served on cni0 until the agent runs (--dhcp embedded): systemctl enable --now cocoon-net, or run 'cocoon-net agent'"],
            report.Problems);
        Assert.Empty(report.Notes!);

        var json = JsonSerializer.Serialize(report, StatusJsonContext.Readable.StatusReport);
        Schemas.AssertValid(Schemas.Status, json);
        var root = JsonNode.Parse(json)!;
        Assert.Equal("embedded", (string)root["dhcp"]!["backend"]!);
        Assert.Equal(1, (int)root["leases"]!["active"]!);
        Assert.False((bool)root["leases"]!["controlSocketPresent"]!);

        var text = StatusTextRenderer.Lines(report).ToList();
        Assert.Contains("DHCP server: embedded", text);
        Assert.Contains("DHCP:       not served (no agent running)", text);
        Assert.Contains("Lease file: /var/lib/cocoon/net/leases.json: 1 active", text);
        Assert.Contains("Control:    /run/cocoon-net/control.sock absent", text);
        Assert.DoesNotContain(text, l => l.StartsWith("DHCP log:", StringComparison.Ordinal));

        // With the agent running it is healthy.
        var agent = new AgentSection(77, "2026-11-29T07:00:00Z", "serve", true, null, 0, 0, null, [], null, []);
        var served = Report(dhcp, new CniSection("/etc/cni/net.d/30-cocoon-dhcp.conflist", true), agent, SomeLeases with { ControlSocketPresent = true });
        Assert.True(served.Healthy);
        Assert.Contains("DHCP:       served by the agent (pid 77)", StatusTextRenderer.Lines(served));
    }

    [Fact]
    public void Dnsmasq_without_an_agent_is_healthy_with_a_note_about_the_lease_table()
    {
        var dhcp = new DhcpSection(DhcpMode.Process, true, 42, "/etc/dnsmasq-cni.d/cni0.conf", true, "/var/lib/misc/dnsmasq.leases", 2, "/var/log/cocoon-net/dnsmasq-cni.log");
        var report = Report(dhcp, new CniSection("/etc/cni/net.d/30-dnsmasq-dhcp.conflist", true), null, SomeLeases with { Present = false, Active = 0 });
        Assert.True(report.Healthy);
        Assert.Equal(["leases.json and the control socket are kept only while the agent runs: systemctl enable --now cocoon-net, or run 'cocoon-net agent'"], report.Notes);
        var json = JsonSerializer.Serialize(report, StatusJsonContext.Readable.StatusReport);
        Schemas.AssertValid(Schemas.Status, json);
        Assert.Equal("dnsmasq", (string)JsonNode.Parse(json)!["dhcp"]!["backend"]!);
        var text = StatusTextRenderer.Lines(report).ToList();
        Assert.Contains("DHCP:       running (process, pid 42)", text);
        Assert.Contains("Lease file: /var/lib/cocoon/net/leases.json: none", text);
        Assert.Equal("Note:       leases.json and the control socket are kept only while the agent runs: systemctl enable --now cocoon-net, or run 'cocoon-net agent'", text[^1]);
    }
}
