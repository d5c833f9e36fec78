using CocoonNet.Node.Dhcp;
using CocoonNet.Node.Linux;
using CocoonNet.Tests.Support;
using NSubstitute;

namespace CocoonNet.Tests.Unit.Telemetry;

/// <summary>
/// The units a node boots with: the agent's unit (packaging/systemd/cocoon-net.service) and dnsmasq-cni.service pass
/// <c>systemd-analyze verify</c>, with what the agent needs from systemd.
/// </summary>
public sealed class SystemdUnitTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("cocoon-net-units-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private static string AgentUnit => File.ReadAllText(Path.Combine(TestEnvironment.RepositoryRoot, "packaging/systemd/cocoon-net.service"));

    private static string DnsmasqUnit => new SystemdDhcpService(new HostPaths("/"), Substitute.For<IProcessRunner>()).UnitText;

    /// <summary>verify fails on a missing ExecStart binary: point it at one that exists here (the test's own dotnet host).</summary>
    private CommandResult Verify(string name, string text)
    {
        var file = Path.Combine(_directory, name);
        File.WriteAllText(file, System.Text.RegularExpressions.Regex.Replace(text, "(?m)^ExecStart=[^ \n]+", $"ExecStart={Environment.ProcessPath}"));
        return Shell.Run("systemd-analyze", ["verify", file]);
    }

    [ToolFact("systemd-analyze")]
    public void The_agent_unit_verifies_without_a_warning()
    {
        var result = Verify("cocoon-net.service", AgentUnit);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal("", (result.Stdout + result.Stderr).Trim());
    }

    [ToolFact("systemd-analyze")]
    public void The_dnsmasq_unit_verifies_without_a_warning()
    {
        var result = Verify(SystemdDhcpService.Unit, DnsmasqUnit);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal("", (result.Stdout + result.Stderr).Trim());
    }

    [ToolFact("systemd-analyze")]
    public void Verify_is_strict_enough_to_catch_a_typo()
    {
        var result = Verify("cocoon-net.service", AgentUnit.Replace("KillMode=process", "KillMode=proces", StringComparison.Ordinal));

        Assert.Contains("Failed to parse kill mode", result.Stdout + result.Stderr);
    }

    [Fact]
    public void The_agent_unit_says_what_issue_11_asks()
    {
        var lines = Lines(AgentUnit);

        Assert.Contains("Type=notify", lines);
        Assert.Contains("ExecStart=/usr/bin/cocoon-net agent", lines);
        Assert.Contains("After=network-online.target", lines);
        Assert.Contains("Wants=network-online.target", lines);
        Assert.Contains("Before=kubelet.service", lines);
        Assert.Contains("Restart=always", lines);
        Assert.Contains(lines, l => l.StartsWith("WatchdogSec=", StringComparison.Ordinal));
        // A stopped or restarted agent leaves its child dnsmasq serving leases.
        Assert.Contains("KillMode=process", lines);
        Assert.Contains("WantedBy=multi-user.target", lines);
        // Hardening must leave the kernel tunables (sysctls) and /etc writable, and netlink reachable.
        Assert.DoesNotContain(lines, l => l.StartsWith("ProtectKernelTunables=yes", StringComparison.Ordinal));
        Assert.DoesNotContain(lines, l => l is "ProtectSystem=full" or "ProtectSystem=strict");
        Assert.Contains(lines, l => l.StartsWith("RestrictAddressFamilies=", StringComparison.Ordinal) && l.Contains("AF_NETLINK", StringComparison.Ordinal));
    }

    [Fact]
    public void Dnsmasq_is_restarted_within_a_second_whenever_it_exits_and_never_given_up_on()
    {
        var lines = Lines(DnsmasqUnit);

        Assert.Contains("Restart=always", lines);
        Assert.Contains("RestartSec=1", lines);
        Assert.Contains("StartLimitIntervalSec=0", lines);
    }

    private static string[] Lines(string unit) =>
        unit.Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Where(l => !l.StartsWith('#')).ToArray();
}
