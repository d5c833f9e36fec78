using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using CocoonNet.Node.Linux;
using CocoonNet.Tests.Support;
using static CocoonNet.Tests.Integration.AgentInNamespacesTests;

namespace CocoonNet.Tests.Integration;

/// <summary>
/// The agent's life on a node: one per node whoever else runs there (the lock only root can hold, the state
/// directory however it is spelled), ready only once it watches, not ready while DHCP is down, and SIGHUP.
/// </summary>
[Collection(NamespaceCollection.Name)]
public sealed class AgentLifecycleInNamespacesTests
{
    private const string Nobody = "65534";

    private static readonly string[] AgentAdopt =
        ["--mode", "adopt", "--node-name", "sandbox", "--subnet", "172.20.0.0/24", "--manage-iptables", "--resync", "10m"];

    private static readonly string[] AsNobody = ["setpriv", "--reuid", Nobody, "--regid", Nobody, "--clear-groups"];

    [PrivilegedFact]
    public void An_unprivileged_process_cannot_keep_the_agent_from_starting()
    {
        using var sandbox = new Sandbox();
        // The run directory as an earlier run of cocoon-net leaves it (root's, readable by others here).
        Directory.CreateDirectory(sandbox.PathOf("/run/cocoon-net"), UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
            | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
        File.SetUnixFileMode(sandbox.Root, File.GetUnixFileMode(sandbox.Root) | UnixFileMode.OtherExecute | UnixFileMode.OtherRead);

        // Squats the name derived from the state dir in the node's abstract socket namespace (no permissions there):
        // the agent's one-per-node guard must not rest on such a name.
        var name = $"cocoon-net-agent-{Fnv1a.AddBlock(Fnv1a.Seed, Path.GetFullPath(sandbox.StateDirectory)):x16}";
        using var squatter = Start("ip", ["netns", "exec", sandbox.Node, .. AsNobody, "perl", "-MSocket", "-e",
            "socket(my $s, AF_UNIX, SOCK_DGRAM, 0) or die $!; bind($s, pack_sockaddr_un(\"\\0\" . $ARGV[0])) or die $!; $| = 1; print \"bound\\n\"; sleep 120",
            name]);
        try
        {
            Assert.Equal("bound", squatter.StandardOutput.ReadLine());
            // Nor can it make the lock's directory or file first.
            var lockFile = Path.Combine(sandbox.PathOf("/run/cocoon-net/agent-lock"), "0000000000000000.lock");
            var squat = Shell.Run(AsNobody[0], [.. AsNobody[1..], "sh", "-c", "mkdir -p \"$(dirname \"$0\")\" && : > \"$0\"", lockFile]);
            Assert.NotEqual(0, squat.ExitCode);

            using var agent = new AgentProcess(sandbox, AgentAdopt);
            Assert.True(agent.WaitForReady(), agent.Output);

            // While it runs, the lock is out of reach of anyone but root.
            var locks = Directory.GetFiles(sandbox.PathOf("/run/cocoon-net/agent-lock"));
            var held = Assert.Single(locks);
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(sandbox.PathOf("/run/cocoon-net/agent-lock")));
            var open = Shell.Run(AsNobody[0], [.. AsNobody[1..], "flock", "--nonblock", held, "true"]);
            Assert.NotEqual(0, open.ExitCode);
            Assert.False(agent.HasExited, agent.Output);

            Assert.True(agent.Terminate(TimeSpan.FromSeconds(5)), agent.Output);
            Assert.False(Directory.Exists(sandbox.PathOf("/run/cocoon-net/agent-lock")), "the agent's lock outlived it");
        }
        finally
        {
            squatter.Kill(entireProcessTree: true);
            squatter.WaitForExit(5000);
        }
    }

    [PrivilegedFact]
    public void A_second_agent_through_a_symlinked_parent_of_the_state_dir_is_refused()
    {
        using var sandbox = new Sandbox();
        using var agent = new AgentProcess(sandbox, AgentAdopt);
        Assert.True(agent.WaitForReady(), agent.Output);

        var alias = sandbox.PathOf("/alias");
        File.CreateSymbolicLink(alias, Path.GetDirectoryName(sandbox.StateDirectory)!);
        using var second = new AgentProcess(sandbox, ["--state-dir", Path.Combine(alias, "net"), "--listen", "127.0.0.1:9093"]);
        Assert.True(Eventually(() => second.HasExited, TimeSpan.FromSeconds(30)), $"a second agent serves the node\n{second.Output}");
        Assert.True(second.ExitCode == 2, second.Output);
        Assert.Contains($"another cocoon-net agent (pid {agent.Pid}) already serves this node", second.Output, StringComparison.Ordinal);
        Assert.False(agent.HasExited, agent.Output);
    }

    [PrivilegedFact]
    public void A_lock_directory_another_user_owns_is_refused_before_anything_changes()
    {
        using var sandbox = new Sandbox();
        var directory = sandbox.PathOf("/run/cocoon-net/agent-lock");
        Directory.CreateDirectory(directory);
        Shell.Check("chown", $"{Nobody}:{Nobody}", directory);

        using var agent = new AgentProcess(sandbox, AgentAdopt);
        Assert.True(Eventually(() => agent.HasExited, TimeSpan.FromSeconds(30)), $"the agent started\n{agent.Output}");
        Assert.True(agent.ExitCode == 1, agent.Output);
        Assert.Contains($"Error: {directory} belongs to uid {Nobody}, not to root: another user could hold the agent's lock; remove it (rm -r {directory}) and retry",
            agent.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("cni0", sandbox.Links(sandbox.Node));
    }

    /// <summary>
    /// Ten starts; each time pool routes are deleted the moment /readyz first answers 200 (a loop in the node
    /// namespace polls it as fast as it can, then deletes): every time they are back within a second, from the
    /// kernel's events (the resync is 10 minutes).
    /// </summary>
    [PrivilegedFact]
    public void Routes_deleted_the_moment_readyz_first_says_ready_are_repaired_within_a_second()
    {
        using var sandbox = new Sandbox();
        Assert.Equal(0, sandbox.CocoonNet(["adopt", "--node-name", "sandbox", "--subnet", "172.20.0.0/24", "--manage-iptables"]).ExitCode);
        // Connecting only once the listener is up (LISTEN on 127.0.0.1:9092 = 0100007F:2384): a connection that
        // arrives while HttpListener starts can fail its start (a race inside the runtime's listener).
        const string Delete = """
            until grep -q ':2384 00000000:0000 0A' /proc/net/tcp; do sleep 0.01; done; sleep 0.05
            until busybox wget -qO- http://127.0.0.1:9092/readyz >/dev/null 2>&1; do :; done
            for ip in 172.20.0.2 172.20.0.100 172.20.0.254; do ip route del "$ip/32" dev cni0; done
            """;
        for (var trial = 1; trial <= 10; trial++)
        {
            using var deleter = Start("ip", ["netns", "exec", sandbox.Node, "sh", "-c", Delete]);
            using var agent = new AgentProcess(sandbox, ["--resync", "10m"]);
            Assert.True(deleter.WaitForExit(60_000), $"trial {trial}: /readyz never said ready\n{agent.Output}");
            Assert.True(deleter.ExitCode == 0, $"trial {trial}: {deleter.StandardError.ReadToEnd()}\n{agent.Output}");
            var deleted = Stopwatch.StartNew();
            Assert.True(Eventually(() => sandbox.RoutesWithProtocol("204").Count == 253, TimeSpan.FromSeconds(1)),
                $"trial {trial}: {253 - sandbox.RoutesWithProtocol("204").Count} routes still missing {deleted.ElapsedMilliseconds} ms after /readyz said ready\n{agent.Output}");
            Assert.True(agent.Terminate(TimeSpan.FromSeconds(5)), agent.Output);
        }
    }

    [PrivilegedFact]
    public void While_dnsmasq_cannot_start_readyz_says_dhcp_is_down_and_ready_again_once_it_serves()
    {
        using var sandbox = new Sandbox();
        using var dnsmasq = new FailingDnsmasq();
        using var agent = new AgentProcess(sandbox, AgentAdopt, new Dictionary<string, string> { ["PATH"] = dnsmasq.Path });
        Assert.True(agent.WaitForReady(), agent.Output);
        Assert.Equal((200, "ready"), Readyz(sandbox));

        dnsmasq.Refuse();
        Shell.Check("kill", "-9", sandbox.DnsmasqPid()!.Value.ToString(CultureInfo.InvariantCulture));
        (int Status, string Body) down = default;
        Assert.True(Eventually(() => (down = Readyz(sandbox)).Status == 503, TimeSpan.FromSeconds(5)), agent.Output);
        Assert.StartsWith("not ready: DHCP down: dnsmasq-cni is not running", down.Body, StringComparison.Ordinal);
        // Still down a while later, in restart backoff: never ready in between.
        Thread.Sleep(1500);
        Assert.Equal(503, Readyz(sandbox).Status);
        Assert.Null(sandbox.DnsmasqPid());

        dnsmasq.Allow();
        Assert.True(Eventually(() => Readyz(sandbox).Status == 200, TimeSpan.FromSeconds(40)), agent.Output);
        Assert.NotNull(sandbox.DnsmasqPid());
    }

    [PrivilegedFact]
    public void Sighup_runs_a_full_resync_and_the_agent_keeps_running_with_its_record()
    {
        using var sandbox = new Sandbox();
        using var agent = new AgentProcess(sandbox, AgentAdopt);
        Assert.True(agent.WaitForReady(), agent.Output);
        var record = sandbox.PathOf("/run/cocoon-net/agent.json");
        var before = (string)JsonNode.Parse(File.ReadAllText(record))!["lastReconcile"]!["time"]!;
        // A rule gone: only a full reconcile (not an event repair) puts it back.
        var rules = sandbox.IptablesSave();
        sandbox.InNamespace(sandbox.Node, "iptables", "-D", "COCOON-NET-FORWARD", "1");

        Shell.Check("kill", "-HUP", agent.Pid.ToString(CultureInfo.InvariantCulture));
        Assert.True(Eventually(() => sandbox.IptablesSave() == rules, TimeSpan.FromSeconds(5)), agent.Output);
        Assert.False(agent.HasExited, agent.Output);
        var after = JsonNode.Parse(File.ReadAllText(record))!;
        Assert.Equal(agent.Pid, (int)after["pid"]!);
        Assert.Equal("full", (string)after["lastReconcile"]!["kind"]!);
        Assert.NotEqual(before, (string)after["lastReconcile"]!["time"]!);
        Assert.Equal((200, "ready"), Readyz(sandbox));

        Assert.True(agent.Terminate(TimeSpan.FromSeconds(5)), agent.Output);
        Assert.True(agent.ExitCode == 0, $"exit {agent.ExitCode}\n{agent.Output}");
        Assert.False(File.Exists(record), "the agent's record outlived it");
    }

    /// <summary>/readyz's status and body (busybox wget shows no body for an error status: a raw request).</summary>
    private static (int Status, string Body) Readyz(Sandbox sandbox)
    {
        var result = Shell.Run("ip", ["netns", "exec", sandbox.Node, "sh", "-c",
            "printf 'GET /readyz HTTP/1.0\\r\\nHost: 127.0.0.1\\r\\n\\r\\n' | busybox nc -w 3 127.0.0.1 9092"]);
        var text = result.Stdout.Replace("\r", "", StringComparison.Ordinal);
        var parts = text.Split("\n\n", 2);
        var status = parts[0].Split(' ') is [_, var code, ..] && int.TryParse(code, CultureInfo.InvariantCulture, out var n) ? n : -1;
        return (status, parts.Length > 1 ? parts[1].Trim() : text);
    }

    private static Process Start(string file, string[] arguments)
    {
        var info = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        return Process.Start(info)!;
    }
}
