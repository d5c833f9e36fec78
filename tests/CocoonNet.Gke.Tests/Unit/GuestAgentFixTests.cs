using System.Net;
using CocoonNet.Abstractions;
using CocoonNet.Gke.Tests.Support;
using CocoonNet.Tests.Support;
using CocoonNet.Providers.Gke.GuestAgent;
using Microsoft.Extensions.Logging.Abstractions;
using NSubstitute;

namespace CocoonNet.Gke.Tests.Unit;

public sealed class GuestAgentFixTests : IDisposable
{
    private const string Cfg = "/etc/default/instance_configs.cfg";
    private static readonly IPNetwork Subnet = IPNetwork.Parse("172.20.1.0/24");
    private readonly FakeHost _host = new();
    private readonly IGuestAgentService _agent = Substitute.For<IGuestAgentService>();
    private readonly JumpingClock _clock = new();
    private readonly GuestAgentFix _fix;

    public GuestAgentFixTests()
    {
        _agent.Name.Returns("google-guest-agent.service");
        _fix = new GuestAgentFix(_host, _host.Network, _agent, _clock, NullLogger<GuestAgentFix>.Instance);
    }

    public void Dispose() => _host.Dispose();

    private static CloudResources Resources(IReadOnlyDictionary<string, string> values) =>
        values.Aggregate(CloudResources.None, (resources, pair) => resources.WithValue(pair.Key, pair.Value));

    private static HostContext Context(IReadOnlyDictionary<string, string> values, bool adopted = false) =>
        new() { NodeName = "node", Subnet = Subnet, PrimaryNic = "ens4", Resources = Resources(values), Adopted = adopted };

    private static List<string> Lines(IEnumerable<PlanChange> changes) => changes.Select(c => c.ToString()).ToList();

    [Fact]
    public async Task Applies_records_and_restores_a_file_that_did_not_exist()
    {
        _agent.IsInstalled().Returns(true);
        var plan = _fix.Plan(CloudResources.None);
        Assert.Equal(new Dictionary<string, string> { ["guestAgent.instance_configs.cfg"] = "absent-file" }, plan);

        var lines = Lines(await _fix.ApplyAsync(Context(plan), dryRun: false, default));

        Assert.Equal(["~ set [IpForwarding] ip_aliases = false in /etc/default/instance_configs.cfg (was no such file)", "~ restart google-guest-agent.service"], lines);
        Assert.Equal("[IpForwarding]\nip_aliases = false\n", _host.Read(Cfg));
        await _agent.Received(1).RestartAsync(Arg.Any<CancellationToken>());

        // Re-run: nothing to change, no restart.
        Assert.Empty(await _fix.ApplyAsync(Context(_fix.Plan(Resources(plan))), dryRun: false, default));
        await _agent.Received(1).RestartAsync(Arg.Any<CancellationToken>());

        var restored = Lines(await _fix.RestoreAsync(Context(plan), dryRun: false, default));
        Assert.Equal(["- remove /etc/default/instance_configs.cfg (created for [IpForwarding] ip_aliases)", "~ restart google-guest-agent.service"], restored);
        Assert.Null(_host.Read(Cfg));
    }

    [Fact]
    public async Task Keeps_the_rest_of_the_file_and_puts_the_old_value_back()
    {
        var original = "[Accounts]\nx = 1\n\n[IpForwarding]\nip_aliases = true\nethernet_proto_id = 66\n";
        _host.Write(Cfg, original);
        var plan = _fix.Plan(CloudResources.None);
        Assert.Equal("value:true", plan["guestAgent.instance_configs.cfg"]);

        await _fix.ApplyAsync(Context(plan), dryRun: false, default);
        Assert.Equal(original.Replace("ip_aliases = true", "ip_aliases = false", StringComparison.Ordinal), _host.Read(Cfg));
        // Agent not installed: nothing restarted.
        await _agent.DidNotReceive().RestartAsync(Arg.Any<CancellationToken>());

        await _fix.RestoreAsync(Context(plan), dryRun: false, default);
        Assert.Equal(original, _host.Read(Cfg));
    }

    [Fact]
    public async Task A_template_override_is_changed_too_since_it_wins()
    {
        _host.Write(Cfg, "[IpForwarding]\nip_aliases = false\n");
        _host.Write(Cfg + ".template", "[IpForwarding]\nip_aliases = true\n");

        var plan = _fix.Plan(CloudResources.None);

        Assert.Equal(new Dictionary<string, string> { ["guestAgent.instance_configs.cfg.template"] = "value:true" }, plan);
        await _fix.ApplyAsync(Context(plan), dryRun: false, default);
        Assert.Equal("[IpForwarding]\nip_aliases = false\n", _host.Read(Cfg + ".template"));
        Assert.StartsWith("ip_aliases = false in /etc/default/instance_configs.cfg.template (set by cocoon-net)", _fix.Describe(Resources(plan)));
    }

    [Fact]
    public void Nothing_is_planned_when_the_agent_is_already_told()
    {
        _host.Write(Cfg, "[IpForwarding]\nip_aliases = false\n");
        Assert.Empty(_fix.Plan(CloudResources.None));
        Assert.Equal("ip_aliases = false in /etc/default/instance_configs.cfg", _fix.Describe(CloudResources.None));
    }

    [Fact]
    public async Task Deletes_only_local_routes_inside_the_vm_subnet()
    {
        _host.Network.ListLocalRoutesAsync("ens4", Arg.Any<CancellationToken>())
            .Returns(Task.FromResult<IReadOnlyList<IPNetwork>>([IPNetwork.Parse("172.20.1.0/24"), IPNetwork.Parse("10.128.0.2/32")]));

        var lines = Lines(await _fix.ApplyAsync(Context(_fix.Plan(CloudResources.None)), dryRun: false, default));

        Assert.Contains("- delete local route 172.20.1.0/24 on ens4 (the guest agent's claim on the alias range)", lines);
        await _host.Network.Received(1).DeleteLocalRouteAsync(IPNetwork.Parse("172.20.1.0/24"), "ens4", Arg.Any<CancellationToken>());
        await _host.Network.DidNotReceive().DeleteLocalRouteAsync(IPNetwork.Parse("10.128.0.2/32"), Arg.Any<string>(), Arg.Any<CancellationToken>());
    }

    [Fact]
    public async Task Dry_run_and_adopted_nodes_change_nothing()
    {
        var plan = _fix.Plan(CloudResources.None);
        Assert.NotEmpty(await _fix.ApplyAsync(Context(plan), dryRun: true, default));
        Assert.Null(_host.Read(Cfg));
        Assert.Empty(await _fix.ApplyAsync(Context(plan, adopted: true), dryRun: false, default));
        Assert.Null(_host.Read(Cfg));
    }

    [Fact]
    public async Task A_value_changed_by_someone_else_since_is_left_alone()
    {
        var plan = _fix.Plan(CloudResources.None);
        await _fix.ApplyAsync(Context(plan), dryRun: false, default);
        _host.Write(Cfg, "[IpForwarding]\nip_aliases = true\n");

        Assert.Empty(await _fix.RestoreAsync(Context(plan), dryRun: false, default));
        Assert.Equal("[IpForwarding]\nip_aliases = true\n", _host.Read(Cfg));
    }

    [Fact]
    public async Task Records_of_an_older_cocoon_net_are_read_and_restored()
    {
        // Before contract 2 the key held the path; keys may no longer contain ':' or '/'.
        var legacy = new Dictionary<string, string> { ["guestAgent:" + Cfg] = "absent-file" };
        await _fix.ApplyAsync(Context(legacy), dryRun: false, default);
        Assert.Equal("[IpForwarding]\nip_aliases = false\n", _host.Read(Cfg));

        // The next init moves the record to today's key and keeps the original value.
        var upgraded = CocoonNet.Providers.Gke.Provisioning.ResourceKeys.Upgrade(Resources(legacy));
        Assert.Equal("absent-file", upgraded.Value("guestAgent.instance_configs.cfg"));
        Assert.Null(upgraded.Value("guestAgent:" + Cfg));
        Assert.Equal(new Dictionary<string, string> { ["guestAgent.instance_configs.cfg"] = "absent-file" }, _fix.Plan(upgraded));

        var restored = Lines(await _fix.RestoreAsync(Context(legacy), dryRun: false, default));
        Assert.Equal(["- remove /etc/default/instance_configs.cfg (created for [IpForwarding] ip_aliases)"], restored);
        Assert.Null(_host.Read(Cfg));
    }

    [Fact]
    public async Task A_failed_restart_is_reported_as_a_fact_not_a_change()
    {
        _agent.IsInstalled().Returns(true);
        _agent.RestartAsync(Arg.Any<CancellationToken>()).Returns(Task.FromException(new CocoonNet.Providers.Gke.GkeException("exit 5")));

        var changes = await _fix.ApplyAsync(Context(_fix.Plan(CloudResources.None)), dryRun: false, default);

        Assert.Equal(ChangeKind.Info, changes[^1].Kind);
        Assert.Equal("restart google-guest-agent.service failed (exit 5); restart it by hand", changes[^1].ToString());
    }

    [Fact]
    public async Task A_route_the_restarted_agent_puts_back_is_deleted_again_and_reported()
    {
        _agent.IsInstalled().Returns(true);
        var route = IPNetwork.Parse("172.20.1.0/24");
        _host.Network.ListLocalRoutesAsync("ens4", Arg.Any<CancellationToken>())
            .Returns(Task.FromResult<IReadOnlyList<IPNetwork>>([]), Task.FromResult<IReadOnlyList<IPNetwork>>([route]));

        var lines = Lines(await _fix.ApplyAsync(Context(_fix.Plan(CloudResources.None)), dryRun: false, default));

        Assert.Equal("- delete local route 172.20.1.0/24 on ens4 (re-added by the guest agent after its restart; cocoon-net deletes it whenever "
            + "it runs: check /etc/default/instance_configs.cfg)", lines[^1]);
        await _host.Network.Received(1).DeleteLocalRouteAsync(route, "ens4", Arg.Any<CancellationToken>());
        await _host.Network.Received(2).ListLocalRoutesAsync("ens4", Arg.Any<CancellationToken>());
        // The check came after a pause long enough for the agent to set its routes up.
        Assert.True(_clock.GetUtcNow() - DateTimeOffset.UnixEpoch >= GuestAgentFix.RecheckDelay);
    }
}
