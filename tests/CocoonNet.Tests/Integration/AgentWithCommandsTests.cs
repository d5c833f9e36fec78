using System.Globalization;
using System.Text.Json.Nodes;
using CocoonNet.Tests.Support;
using CocoonNet.Tests.Validation;

namespace CocoonNet.Tests.Integration;

/// <summary>The one-shot commands alongside a running agent: status shows it, teardown stops it first (or refuses under systemd).</summary>
[Collection(NamespaceCollection.Name)]
public sealed class AgentWithCommandsTests
{
    private static readonly string[] AgentAdopt = ["--mode", "adopt", "--node-name", "sandbox", "--subnet", "172.20.0.0/24", "--manage-iptables"];

    [PrivilegedFact]
    public void Status_shows_the_running_agent_in_text_and_in_json_that_matches_the_schema()
    {
        using var sandbox = new Sandbox();
        using var agent = new AgentProcess(sandbox, AgentAdopt);
        Assert.True(agent.WaitForReady(), agent.Output);
        var pid = agent.Pid.ToString(CultureInfo.InvariantCulture);

        var text = sandbox.CocoonNet("status");
        Assert.True(text.ExitCode == 0, text.ToString());
        Assert.Matches($@"(?m)^Agent:\s+running \(pid {pid}, since \S+\), last full reconcile ok at \S+, 0 repairs, 0 DHCP restarts$", text.Stdout);

        var json = sandbox.CocoonNet("status", "-o", "json");
        Assert.True(json.ExitCode == 0, json.ToString());
        Schemas.AssertValid(Schemas.Status, json.Stdout);
        var document = JsonNode.Parse(json.Stdout)!;
        Assert.Equal(agent.Pid, (int)document["agent"]!["pid"]!);
        Assert.Equal("adopt", (string)document["agent"]!["mode"]!);
        Assert.False((bool)document["agent"]!["underSystemd"]!);
        Assert.True((bool)document["agent"]!["lastReconcile"]!["ok"]!);

        // Once the agent is gone, status says nothing of it (a stale record is not an agent).
        Assert.True(agent.Terminate(TimeSpan.FromSeconds(5)), agent.Output);
        var after = sandbox.CocoonNet("status", "-o", "json");
        Assert.Null(JsonNode.Parse(after.Stdout)!["agent"]);
        Assert.DoesNotContain("Agent:", sandbox.CocoonNet("status").Stdout);
    }

    [PrivilegedFact]
    public void After_adopt_grows_the_pool_the_agent_watches_the_new_addresses_too()
    {
        using var sandbox = new Sandbox();
        using var agent = new AgentProcess(sandbox, [.. AgentAdopt, "--pool-size", "20", "--resync", "500ms"]);
        Assert.True(agent.WaitForReady(), agent.Output);
        var adopt = sandbox.CocoonNet(["adopt", "--node-name", "sandbox", "--subnet", "172.20.0.0/24", "--pool-size", "40"]);
        Assert.True(adopt.ExitCode == 0, $"{adopt}\n{agent.Output}");
        Assert.Equal(40, sandbox.RoutesWithProtocol("204").Count);
        // A full reconcile (every 500 ms here) finds pool.json changed and the drift watch starts over on the 40
        // addresses: a route of the grown pool is then seen as drift from its kernel event, not only by the resync.
        Thread.Sleep(1500);
        var watch = System.Diagnostics.Stopwatch.StartNew();
        sandbox.InNamespace(sandbox.Node, "ip", "route", "del", "172.20.0.40/32", "dev", "cni0");
        while (sandbox.RoutesWithProtocol("204").Count < 40 && watch.Elapsed < TimeSpan.FromSeconds(3))
        {
            Thread.Sleep(10);
        }

        Assert.Equal(40, sandbox.RoutesWithProtocol("204").Count);
        Assert.Contains("drift from kernel events: route 172.20.0.40/32", agent.Output, StringComparison.Ordinal);
    }

    [PrivilegedFact]
    public void Adopt_runs_alongside_the_agent_which_holds_the_lock_only_while_it_reconciles()
    {
        using var sandbox = new Sandbox();
        using var agent = new AgentProcess(sandbox, [.. AgentAdopt, "--resync", "500ms"]);
        Assert.True(agent.WaitForReady(), agent.Output);
        for (var i = 0; i < 3; i++)
        {
            var adopt = sandbox.CocoonNet(["adopt", "--node-name", "sandbox", "--subnet", "172.20.0.0/24"]);
            Assert.True(adopt.ExitCode == 0, $"{adopt}\n{agent.Output}");
            Assert.StartsWith("no changes: the host already matches", adopt.Stdout);
        }

        Assert.False(agent.HasExited, agent.Output);
    }

    [PrivilegedFact]
    public void Teardown_stops_a_running_agent_first_then_removes_everything()
    {
        using var sandbox = new Sandbox();
        using var agent = new AgentProcess(sandbox, [.. AgentAdopt, "--resync", "500ms"]);
        Assert.True(agent.WaitForReady(), agent.Output);

        var teardown = sandbox.CocoonNet("teardown");
        Assert.True(teardown.ExitCode == 0, $"{teardown}\n{agent.Output}");
        Assert.Contains($"agent     - stopped the cocoon-net agent (pid {agent.Pid})", teardown.Stdout);
        Assert.True(agent.HasExited, agent.Output);
        Assert.Equal(0, agent.ExitCode);
        // Nothing rebuilt behind teardown's back: the resync (every 500 ms) would have had time to.
        Thread.Sleep(1000);
        NodeChecks.AssertClean(sandbox, "teardown with a running agent");
    }

    [PrivilegedFact]
    public void Teardown_refuses_an_agent_under_systemd_before_changing_anything()
    {
        using var sandbox = new Sandbox();
        using var agent = new AgentProcess(sandbox, AgentAdopt, new Dictionary<string, string> { ["INVOCATION_ID"] = "0123456789abcdef" });
        Assert.True(agent.WaitForReady(), agent.Output);
        var routes = sandbox.RoutesWithProtocol("204");
        var pool = File.ReadAllText(Path.Combine(sandbox.StateDirectory, "pool.json"));

        var teardown = sandbox.CocoonNet("teardown");
        Assert.Equal(2, teardown.ExitCode);
        Assert.Contains(
            $"Error: a cocoon-net agent (pid {agent.Pid}) runs under systemd: run 'systemctl stop cocoon-net' first",
            teardown.Stderr);
        Assert.Empty(teardown.Stdout);
        Assert.False(agent.HasExited, agent.Output);
        Assert.Equal(routes, sandbox.RoutesWithProtocol("204"));
        Assert.Equal(pool, File.ReadAllText(Path.Combine(sandbox.StateDirectory, "pool.json")));
    }
}
