using CocoonNet.Node.Dhcp;
using CocoonNet.Node.Linux;
using CocoonNet.Node.Pipeline;
using CocoonNet.Node.Pipeline.Steps;
using NSubstitute;
using CocoonNet.Node.State;

namespace CocoonNet.Tests.Unit;

/// <summary>The systemd mode against a substitute systemctl: install once, start when stopped, restart only on change.</summary>
public sealed class DhcpServiceTests : IDisposable
{
    private readonly HostPaths _paths = new(Path.Combine(Path.GetTempPath(), $"cocoon-dhcp-{Guid.NewGuid():N}"));
    private readonly IProcessRunner _runner = Substitute.For<IProcessRunner>();
    private int _mainPid;

    public DhcpServiceTests()
    {
        _runner.RunAsync("systemctl", Arg.Any<IReadOnlyList<string>>(), null, Arg.Any<CancellationToken>())
            .Returns(call =>
            {
                var args = call.ArgAt<IReadOnlyList<string>>(1);
                if (args[0] == "show")
                {
                    return new ProcessResult(0, $"{_mainPid}\n", "");
                }

                if (args[0] is "start" or "restart")
                {
                    _mainPid += 100;
                }

                return new ProcessResult(0, "", "");
            });
    }

    public void Dispose()
    {
        if (Directory.Exists(_paths.Root))
        {
            Directory.Delete(_paths.Root, recursive: true);
        }
    }

    private DnsmasqStep Step() =>
        new(_paths, new DhcpServices([new SystemdDhcpService(_paths, _runner), new ProcessDhcpService(_paths, _runner)]));

    private static HostSpec Spec(int pool = 140) => RenderingTests.Spec(pool: pool) with { ServiceMode = DhcpServiceMode.Systemd };

    [Fact]
    public async Task First_run_installs_the_unit_and_starts_it_then_a_rerun_does_nothing()
    {
        var footprint = new HostFootprint();
        var plan = await Step().PlanSetupAsync(Spec(), footprint, CancellationToken.None);
        Assert.Equal(
            [
                $"+ write {_paths.DnsmasqConfigFile}",
                $"+ create lease file {_paths.DnsmasqLeaseFile}",
                $"+ install unit {_paths.SystemdUnitFile}",
                "+ start dnsmasq-cni (systemd)",
            ],
            plan.Changes);
        await plan.Apply(footprint, CancellationToken.None);

        var unit = File.ReadAllText(_paths.SystemdUnitFile);
        Assert.Contains($" --keep-in-foreground --conf-file={_paths.DnsmasqConfigFile} --pid-file=\n", unit);
        Assert.Contains("Restart=always", unit);
        Received.InOrder(() =>
        {
            _runner.RunAsync("systemctl", Arg.Is<IReadOnlyList<string>>(a => a.SequenceEqual(new[] { "daemon-reload" })), null, Arg.Any<CancellationToken>());
            _runner.RunAsync("systemctl", Arg.Is<IReadOnlyList<string>>(a => a.SequenceEqual(new[] { "enable", "dnsmasq-cni.service" })), null, Arg.Any<CancellationToken>());
            _runner.RunAsync("systemctl", Arg.Is<IReadOnlyList<string>>(a => a.SequenceEqual(new[] { "start", "dnsmasq-cni.service" })), null, Arg.Any<CancellationToken>());
        });
        Assert.True(footprint.DhcpUnitInstalled);
        Assert.Equal("systemd", footprint.DhcpService);

        Assert.True((await Step().PlanSetupAsync(Spec(), footprint, CancellationToken.None)).IsEmpty);
    }

    [Fact]
    public async Task A_changed_config_restarts_and_a_stopped_service_starts()
    {
        var footprint = new HostFootprint();
        await (await Step().PlanSetupAsync(Spec(), footprint, CancellationToken.None)).Apply(footprint, CancellationToken.None);

        var changed = await Step().PlanSetupAsync(Spec(pool: 10), footprint, CancellationToken.None);
        Assert.Equal([$"~ update {_paths.DnsmasqConfigFile}", "~ restart dnsmasq-cni (systemd, pid 100): config changed"], changed.Changes);
        await changed.Apply(footprint, CancellationToken.None);

        _mainPid = 0;
        var stopped = await Step().PlanSetupAsync(Spec(pool: 10), footprint, CancellationToken.None);
        Assert.Equal(["+ start dnsmasq-cni (systemd)"], stopped.Changes);
    }

    [Fact]
    public async Task Teardown_stops_and_removes_only_what_cocoon_net_installed()
    {
        Directory.CreateDirectory(_paths.SystemdRuntimeDirectory);
        var footprint = new HostFootprint();
        await (await Step().PlanSetupAsync(Spec(), footprint, CancellationToken.None)).Apply(footprint, CancellationToken.None);
        var plan = await Step().PlanTeardownAsync(Spec(), footprint, CancellationToken.None);
        Assert.Equal(
            [
                "- stop dnsmasq-cni (systemd, pid 100)",
                $"- remove unit {_paths.SystemdUnitFile}",
                $"- remove {_paths.DnsmasqConfigFile}",
                $"- remove {_paths.DnsmasqLeaseFile}",
            ],
            plan.Changes);
        await plan.Apply(footprint, CancellationToken.None);
        Assert.False(File.Exists(_paths.SystemdUnitFile));
        Assert.False(File.Exists(_paths.DnsmasqConfigFile));
        Assert.Null(footprint.DhcpService);
        await _runner.Received(1).RunAsync("systemctl", Arg.Is<IReadOnlyList<string>>(a => a.SequenceEqual(new[] { "disable", "dnsmasq-cni.service" })), null, Arg.Any<CancellationToken>());
    }

    [Fact]
    public async Task A_failing_systemctl_names_the_command_and_its_message()
    {
        _runner.RunAsync("systemctl", Arg.Is<IReadOnlyList<string>>(a => a[0] == "start"), null, Arg.Any<CancellationToken>())
            .Returns(new ProcessResult(1, "", "Job for dnsmasq-cni.service failed.\n"));
        var service = new SystemdDhcpService(_paths, _runner);
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => service.StartAsync(CancellationToken.None));
        Assert.Equal("systemctl start dnsmasq-cni.service: exit code 1: Job for dnsmasq-cni.service failed.", error.Message);
    }
}
