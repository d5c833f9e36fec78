using System.Diagnostics;
using System.Net;
using CocoonNet.Tests.Support;

namespace CocoonNet.Tests.Integration;

/// <summary>
/// <c>cocoon-net agent</c> for real, as a child process in the node namespace: a fresh node served from the agent
/// alone, a reboot put right, drift repaired within a resync, dnsmasq supervised, SIGTERM leaving the node as it is.
/// </summary>
[Collection(NamespaceCollection.Name)]
public sealed class AgentInNamespacesTests
{
    private static readonly string[] Node = ["--node-name", "sandbox", "--subnet", "172.20.0.0/24"];
    private static readonly string[] Adopt = ["adopt", .. Node, "--manage-iptables"];
    private static readonly string[] AgentAdopt = ["--mode", "adopt", .. Node, "--manage-iptables"];

    [PrivilegedFact]
    public void Agent_with_mode_adopt_sets_up_a_fresh_node_then_says_ready()
    {
        using var sandbox = new Sandbox();
        using var agent = new AgentProcess(sandbox, AgentAdopt);
        Assert.True(agent.WaitForReady(), agent.Output);
        Assert.Equal(253, sandbox.RoutesWithProtocol("204").Count);
        Assert.Contains("cocoon-net adopt complete: 253 IPs registered on 172.20.0.0/24", agent.Output);

        var vm = sandbox.AddVm();
        var address = sandbox.Dhcp(vm);
        Assert.True(address is not null, agent.Output);
        Assert.True(IPNetwork.Parse("172.20.0.0/24").Contains(IPAddress.Parse(address)), address);
        Assert.False(agent.HasExited, agent.Output);
    }

    [PrivilegedFact]
    public void Agent_without_flags_restores_a_rebooted_node()
    {
        using var sandbox = new Sandbox();
        Assert.Equal(0, sandbox.CocoonNet(Adopt).ExitCode);
        sandbox.SimulateReboot();
        Assert.DoesNotContain("cni0", sandbox.Links(sandbox.Node));

        using var agent = new AgentProcess(sandbox, []);
        Assert.True(agent.WaitForReady(), agent.Output);
        Assert.Equal(253, sandbox.RoutesWithProtocol("204").Count);
        Assert.Contains("COCOON-NET-FORWARD", sandbox.IptablesSave());
        var vm = sandbox.AddVm();
        Assert.True(sandbox.Dhcp(vm) is not null, agent.Output);
    }

    [PrivilegedFact]
    public void Agent_without_a_node_to_serve_exits_4_with_one_line()
    {
        using var sandbox = new Sandbox();
        var result = sandbox.CocoonNet("agent");
        Assert.Equal(4, result.ExitCode);
        Assert.Matches(@"(?m)^Error: no pool state at .*pool\.json: set the node up first", result.Stderr);
        Assert.Equal(1, result.Stderr.Split('\n').Count(l => l.StartsWith("Error:", StringComparison.Ordinal)));
    }

    [PrivilegedFact]
    public void A_second_agent_for_the_same_node_is_refused_with_one_line_and_the_first_keeps_serving()
    {
        using var sandbox = new Sandbox();
        using var agent = new AgentProcess(sandbox, AgentAdopt);
        Assert.True(agent.WaitForReady(), agent.Output);

        var second = sandbox.CocoonNet("agent", "--listen", "127.0.0.1:9093");
        Assert.Equal(2, second.ExitCode);
        var errors = second.Stderr.Split('\n').Where(l => l.StartsWith("Error:", StringComparison.Ordinal)).ToList();
        Assert.Equal([$"Error: another cocoon-net agent (pid {agent.Pid}) already serves this node; stop it first ('systemctl stop cocoon-net', or kill it)"],
            errors);
        Assert.False(agent.HasExited, agent.Output);
        Assert.True(File.Exists(sandbox.PathOf("/run/cocoon-net/agent.json")), "the second agent removed the first one's record");
    }

    [PrivilegedFact]
    public void A_deleted_iptables_rule_is_back_within_one_resync()
    {
        using var sandbox = new Sandbox();
        using var agent = new AgentProcess(sandbox, [.. AgentAdopt, "--resync", "1s"]);
        Assert.True(agent.WaitForReady(), agent.Output);
        var rules = sandbox.IptablesSave();
        sandbox.InNamespace(sandbox.Node, "iptables", "-D", "COCOON-NET-FORWARD", "1");
        Assert.NotEqual(rules, sandbox.IptablesSave());

        // One resync is 1 s ± 10%; the repair itself is a few milliseconds.
        Assert.True(Eventually(() => sandbox.IptablesSave() == rules, TimeSpan.FromSeconds(3)), agent.Output);
    }

    [PrivilegedFact]
    public void A_killed_dnsmasq_is_serving_again_within_a_second_and_the_vm_renews()
    {
        using var sandbox = new Sandbox();
        using var agent = new AgentProcess(sandbox, AgentAdopt);
        Assert.True(agent.WaitForReady(), agent.Output);
        var vm = sandbox.AddVm();
        Assert.NotNull(sandbox.Dhcp(vm));
        var pid = sandbox.DnsmasqPid();
        Assert.NotNull(pid);

        Shell.Check("kill", "-9", pid.Value.ToString(System.Globalization.CultureInfo.InvariantCulture));
        var killed = Stopwatch.StartNew();
        Assert.True(Eventually(() => sandbox.DnsmasqPid() is { } again && again != pid, TimeSpan.FromSeconds(5)), agent.Output);
        // Within 1 s of its exit; the slack is for a loaded test machine, the bench measures it.
        Assert.True(killed.Elapsed < TimeSpan.FromSeconds(2), $"dnsmasq back after {killed.Elapsed.TotalMilliseconds:F0} ms\n{agent.Output}");
        Assert.True(sandbox.Dhcp(vm) is not null, agent.Output);
        Assert.False(agent.HasExited, agent.Output);
    }

    [PrivilegedFact]
    public void Sigterm_stops_the_agent_within_5_s_with_exit_0_and_leaves_the_node_as_it_is()
    {
        using var sandbox = new Sandbox();
        using var agent = new AgentProcess(sandbox, AgentAdopt);
        Assert.True(agent.WaitForReady(), agent.Output);
        var pool = File.ReadAllText(Path.Combine(sandbox.StateDirectory, "pool.json"));
        var routes = sandbox.RoutesWithProtocol("204");
        var rules = sandbox.IptablesSave();
        var pid = sandbox.DnsmasqPid();

        var stopping = Stopwatch.StartNew();
        Assert.True(agent.Terminate(TimeSpan.FromSeconds(5)), $"still running after 5 s\n{agent.Output}");
        Assert.True(stopping.Elapsed < TimeSpan.FromSeconds(5), agent.Output);
        Assert.True(agent.ExitCode == 0, $"exit {agent.ExitCode}\n{agent.Output}");
        Assert.Equal(pool, File.ReadAllText(Path.Combine(sandbox.StateDirectory, "pool.json")));
        Assert.Equal(routes, sandbox.RoutesWithProtocol("204"));
        Assert.Equal(rules, sandbox.IptablesSave());
        Assert.Equal(pid, sandbox.DnsmasqPid());
        Assert.Contains("cni0", sandbox.Links(sandbox.Node));
        Assert.False(File.Exists(sandbox.PathOf("/run/cocoon-net/agent.json")), "the agent's record outlived it");
    }

    [PrivilegedFact]
    public void A_failing_first_reconcile_is_retried_and_ready_only_once_it_succeeds()
    {
        using var sandbox = new Sandbox();
        Assert.Equal(0, sandbox.CocoonNet(Adopt).ExitCode);
        sandbox.SimulateReboot();
        // Another run holds the state lock for 8 s: the agent's first reconcile fails (5 s lock wait), then succeeds.
        var lockFile = Path.Combine(sandbox.StateDirectory, ".lock");
        using var holder = Process.Start("flock", ["--exclusive", lockFile, "sleep", "8"]);
        Thread.Sleep(300);
        try
        {
            using var agent = new AgentProcess(sandbox, [], new Dictionary<string, string> { ["WATCHDOG_USEC"] = "400000" });
            Assert.True(agent.WaitForNotification("STATUS=start failed, retrying in 1s", TimeSpan.FromSeconds(20)), agent.Output);
            Assert.DoesNotContain("READY=1", agent.Output);
            Assert.DoesNotContain("cni0", sandbox.Links(sandbox.Node));
            Assert.True(agent.WaitForReady(), agent.Output);
            Assert.Equal(253, sandbox.RoutesWithProtocol("204").Count);
            // systemd's watchdog is fed at half WATCHDOG_USEC (200 ms here) while the agent runs.
            Assert.True(agent.WaitForNotification("WATCHDOG=1", TimeSpan.FromSeconds(2)), agent.Output);
        }
        finally
        {
            if (!holder.HasExited)
            {
                holder.Kill();
            }

            holder.WaitForExit();
        }
    }

    internal static bool Eventually(Func<bool> condition, TimeSpan timeout) => Poll.Until(condition, timeout, TimeSpan.FromMilliseconds(50));
}
