using CocoonNet.Host.Agent.Leases;
using System.Net;
using CocoonNet.Host.Agent;
using CocoonNet.Node.Dhcp;
using CocoonNet.Node.Dhcp.Embedded;
using CocoonNet.Node.Leases;
using CocoonNet.Node.Linux;
using CocoonNet.Node.Pipeline;
using NSubstitute;

namespace CocoonNet.Tests.Unit.Dhcp;

/// <summary>The embedded server's production seams: the kernel routes, leases.json and the agent's settings.</summary>
public sealed class DhcpHostPartsTests : IDisposable
{
    private static readonly IPAddress Ip = IPAddress.Parse("10.0.0.12");
    private readonly string _directory = Path.Combine(Path.GetTempPath(), $"cocoon-dhcp-journal-{Guid.NewGuid():N}");
    private readonly IKernelNetwork _kernel = Substitute.For<IKernelNetwork>();

    public DhcpHostPartsTests()
    {
        Directory.CreateDirectory(_directory);
        _kernel.ListLinks().Returns([new LinkInfo("eth0", 2, "", true, "", 0), new LinkInfo("cni0", 7, "", true, "bridge", 0)]);
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private static RouteInfo Expected => new(
        Ip, 32, 7, RouteConstants.TableMain, RouteConstants.ProtocolCocoonNet, RouteConstants.ScopeLink, RouteConstants.TypeUnicast);

    [Fact]
    public async Task A_lease_route_is_the_route_steps_form_via_the_bridge()
    {
        var routes = new KernelLeaseRoutes(_kernel, "cni0");

        await routes.AddAsync(Ip, default);
        await routes.RemoveAsync(Ip, default);

        _kernel.Received(1).ReplaceRoutes(Arg.Is<IReadOnlyList<RouteInfo>>(r => r.Count == 1 && r[0] == Expected));
        _kernel.Received(1).DeleteRoutes(Arg.Is<IReadOnlyList<RouteInfo>>(r => r.Count == 1 && r[0] == Expected));
    }

    [Fact]
    public async Task Without_the_bridge_adding_fails_and_removing_has_nothing_to_do()
    {
        var routes = new KernelLeaseRoutes(_kernel, "cni9");

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => routes.AddAsync(Ip, default));
        await routes.RemoveAsync(Ip, default);

        Assert.Equal("cni9 does not exist", error.Message);
        _kernel.DidNotReceiveWithAnyArgs().DeleteRoutes(default!);
    }

    [Fact]
    public void The_journal_is_leases_json_in_upstreams_format()
    {
        var around = 0;
        var journal = new LeaseFileJournal(LeaseFile.PathIn(_directory), save =>
        {
            around++;
            save();
        });
        Assert.Empty(journal.Load());
        var lease = new Lease("52:54:00:00:00:01", Ip, new DateTimeOffset(2026, 12, 6, 13, 0, 0, TimeSpan.Zero));

        journal.Save([lease]);

        Assert.Equal([lease], journal.Load());
        Assert.Equal(1, around);
        Assert.Equal(
            "[\n  {\n    \"mac\": \"52:54:00:00:00:01\",\n    \"ip\": \"10.0.0.12\",\n    \"expiry\": \"2026-12-06T13:00:00Z\"\n  }\n]",
            File.ReadAllText(Path.Combine(_directory, "leases.json")));
    }

    [Fact]
    public void The_agent_serves_the_gateway_the_pool_the_dns_and_the_lease_time_of_the_node()
    {
        var spec = new HostSpec(
            IPNetwork.Parse("10.0.0.0/24"), IPAddress.Parse("10.0.0.1"), [Ip], "eth0", [], [IPAddress.Parse("10.0.0.53")], false,
            DhcpServiceMode.Process)
        {
            Backend = DhcpBackend.Embedded,
            LeaseTime = TimeSpan.FromHours(2),
        };

        var settings = EmbeddedDhcp.SettingsOf(spec);

        Assert.Equal(IPAddress.Parse("10.0.0.1"), settings.Server);
        Assert.Equal(IPNetwork.Parse("10.0.0.0/24"), settings.Subnet);
        Assert.Equal([Ip], settings.Pool);
        Assert.Equal([IPAddress.Parse("10.0.0.53")], settings.Dns);
        Assert.Equal(TimeSpan.FromHours(2), settings.LeaseTime);
        Assert.Null(settings.Mtu);
    }
}
