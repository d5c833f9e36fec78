using CocoonNet.Gke.Tests.Support;
using CocoonNet.Providers.Gke.GuestAgent;
using NSubstitute;

namespace CocoonNet.Gke.Tests.Unit;

/// <summary>What a guest-agent restart runs: the core plugin restart on plugin-based agents, else the agent's unit(s).</summary>
public sealed class GuestAgentServiceTests : IDisposable
{
    private readonly FakeHost _host = new();
    private readonly IProcessRunner _runner = Substitute.For<IProcessRunner>();
    private readonly SystemdGuestAgentService _service;

    public GuestAgentServiceTests()
    {
        _host.Write("/run/systemd/system/.keep", "");
        _host.Write("/lib/systemd/system/google-guest-agent.service", "[Service]\nKillMode=process\n");
        _service = new SystemdGuestAgentService(_host, _runner);
    }

    public void Dispose() => _host.Dispose();

    [Fact]
    public async Task A_plugin_based_agent_gets_its_core_plugin_restarted_which_reads_ip_aliases()
    {
        _host.Write("/usr/bin/ggactl_plugin", "");
        _host.Write("/lib/systemd/system/google-guest-agent-manager.service", "");

        Assert.True(_service.IsInstalled());
        await _service.RestartAsync(default);

        await _runner.Received(1).RunAsync(_host.PathOf("/usr/bin/ggactl_plugin"),
            Arg.Is<IReadOnlyList<string>>(a => a.SequenceEqual(new[] { "coreplugin", "restart" })), Arg.Any<TimeSpan>(), Arg.Any<CancellationToken>());
        await _runner.DidNotReceive().RunAsync("systemctl", Arg.Any<IReadOnlyList<string>>(), Arg.Any<TimeSpan>(), Arg.Any<CancellationToken>());
        Assert.Equal("the guest agent's core plugin (ggactl_plugin coreplugin restart)", _service.Name);
    }

    [Fact]
    public async Task Without_ggactl_the_agent_and_its_manager_unit_are_restarted()
    {
        _host.Write("/lib/systemd/system/google-guest-agent-manager.service", "");

        await _service.RestartAsync(default);

        await _runner.Received(1).RunAsync("systemctl",
            Arg.Is<IReadOnlyList<string>>(a => a.SequenceEqual(new[] { "restart", "google-guest-agent.service", "google-guest-agent-manager.service" })),
            Arg.Any<TimeSpan>(), Arg.Any<CancellationToken>());
        Assert.Equal("google-guest-agent.service, google-guest-agent-manager.service", _service.Name);
    }

    [Fact]
    public async Task An_older_agent_alone_gets_its_one_unit_restarted()
    {
        await _service.RestartAsync(default);

        await _runner.Received(1).RunAsync("systemctl",
            Arg.Is<IReadOnlyList<string>>(a => a.SequenceEqual(new[] { "restart", "google-guest-agent.service" })),
            Arg.Any<TimeSpan>(), Arg.Any<CancellationToken>());
    }
}
