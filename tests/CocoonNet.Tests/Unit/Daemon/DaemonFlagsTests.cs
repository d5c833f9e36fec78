using CocoonNet.Host;
using CocoonNet.Host.Cli;
using CocoonNet.Tests.Support;

namespace CocoonNet.Tests.Unit.Daemon;

/// <summary>
/// Upstream's <c>cocoon-net daemon</c>: the agent under a second name, with upstream's flags mapped onto the agent's,
/// and every value the agent cannot honour refused with exit 2 and one line before anything runs.
/// </summary>
public sealed class DaemonFlagsTests
{
    private static (int Exit, string Stdout, string Stderr) Run(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var exit = new CliApplication(stdout, stderr).RunAsync(args, CancellationToken.None).GetAwaiter().GetResult();
        return (exit, stdout.ToString(), stderr.ToString());
    }

    /// <summary>A state directory that must still not exist after the refusal: nothing was changed.</summary>
    private static string NeverStateDir() => Path.Combine(Path.GetTempPath(), $"cocoon-never-{Guid.NewGuid():N}");

    [Fact]
    public void Root_help_lists_daemon_as_the_agents_alias()
    {
        var (exit, stdout, _) = Run("--help");
        Assert.Equal(0, exit);
        Assert.Matches(@"(?m)^\s+agent, daemon\s", stdout);
    }

    [Fact]
    public void Daemon_help_is_the_agents_with_upstreams_flags_and_an_example()
    {
        var (exit, stdout, _) = Run("daemon", "--help");
        Assert.Equal(0, exit);
        Assert.Contains("--listen, --metrics-addr", stdout);
        Assert.Contains("COCOON_NET_METRICS_ADDR", stdout);
        Assert.Contains("--skip-iptables", stdout);
        Assert.Contains("--lease-file", stdout);
        Assert.Contains("--control-socket", stdout);
        Assert.Contains("--resync", stdout); // the agent's own: one command, not a copy
        Assert.Contains("  cocoon-net daemon --metrics-addr :9092 --skip-iptables", stdout);
    }

    [Theory]
    [InlineData("daemon", "--metrics-addr", "9092", "Error: --metrics-addr '9092': expected HOST:PORT; write e.g. 127.0.0.1:9092, 0.0.0.0:9092 or [::]:9092\n")]
    [InlineData("agent", "--metrics-addr", "node-a:9092",
        "Error: --metrics-addr 'node-a:9092': 'node-a' is not an IPv4 address (of names only localhost is accepted); write e.g. 127.0.0.1:9092, 0.0.0.0:9092 or [::]:9092\n")]
    [InlineData("daemon", "--listen", "[::1]:9092",
        "Error: --listen '[::1]:9092': of IPv6 addresses only [::] (every address) is accepted; write e.g. 127.0.0.1:9092, 0.0.0.0:9092 or [::]:9092\n")]
    [InlineData("daemon", "--metrics-addr", "",
        "Error: --metrics-addr '': the address cannot be turned off (/healthz and /readyz are served there too); give 127.0.0.1:9092 to keep it on this host\n")]
    public void A_bad_metrics_address_exits_2_with_one_line_naming_the_flag_as_written(string command, string flag, string value, string expected)
    {
        var (exit, stdout, stderr) = Run(command, flag, value, "--plugins-dir", "/nonexistent");
        Assert.Equal(2, exit);
        Assert.Empty(stdout);
        Assert.Equal(expected, stderr);
    }

    [Fact]
    public void A_misspelt_daemon_is_pointed_at_it()
    {
        var (exit, _, stderr) = Run("deamon");
        Assert.Equal(2, exit);
        Assert.Equal("Error: unknown command 'deamon'; did you mean 'daemon'? (commands: init, adopt, status, teardown, plugins, agent, completion)\n", stderr);
    }

    [Fact]
    public void Completion_scripts_offer_daemon_and_its_flags()
    {
        var (exit, bash, _) = Run("completion", "bash");
        Assert.Equal(0, exit);
        Assert.Contains("|agent|daemon|", bash);
        Assert.Contains("    agent|daemon) words=\"", bash);
        Assert.Contains("--metrics-addr", bash);
        var file = Path.Combine(Path.GetTempPath(), $"cocoon-net-completion-{Guid.NewGuid():N}.bash");
        try
        {
            File.WriteAllText(file, bash);
            // What bash offers after "cocoon-net daemon --met".
            var offered = Shell.Run("bash", ["-c", $"source {file}; COMP_WORDS=(cocoon-net daemon --met); COMP_CWORD=2; _cocoon_net; echo \"${{COMPREPLY[@]}}\""]);
            Assert.Equal("--metrics-addr\n", offered.Stdout);
        }
        finally
        {
            File.Delete(file);
        }

        var (_, fish, _) = Run("completion", "fish");
        Assert.Contains("-a daemon", fish);
        Assert.Contains("-n '__fish_seen_subcommand_from agent daemon' -l listen -l metrics-addr", fish);
    }

    public static TheoryData<string[], string> Refusals()
    {
        var state = NeverStateDir();
        var leases = Path.Combine(state, "leases.json");
        return new()
        {
            { ["--state-dir", state, "--lease-file", "/tmp/elsewhere/leases.json"],
                $"Error: --lease-file /tmp/elsewhere/leases.json: leases.json is always in the state directory, here {leases}; leave --lease-file out, or move the state with --state-dir /tmp/elsewhere (pool.json goes with it)\n" },
            { ["--state-dir", state, "--lease-file", "/tmp/leases.db"],
                $"Error: --lease-file /tmp/leases.db: leases.json is always in the state directory, here {leases}; leave --lease-file out\n" },
            { ["--state-dir", state, "--control-socket", "/tmp/cocoon.sock"],
                "Error: --control-socket /tmp/cocoon.sock: the control socket is always /run/cocoon-net/control.sock, where vk-cocoon and status find it; leave --control-socket out\n" },
            { ["--state-dir", state, "--skip-iptables", "--mode", "adopt", "--node-name", "n", "--subnet", "10.0.0.0/24"],
                "Error: --skip-iptables is for serving the node in pool.json: leave out --mode (adopt without --manage-iptables never writes rules)\n" },
            { ["--state-dir", state, "--skip-iptables", "--repair-cloud"],
                "Error: --skip-iptables contradicts --repair-cloud, whose init writes the rules; give one\n" },
        };
    }

    [Theory]
    [MemberData(nameof(Refusals))]
    public void Paths_and_choices_the_agent_cannot_honour_exit_2_before_anything_runs(string[] args, string expected)
    {
        if (!Environment.IsPrivilegedProcess || Environment.GetEnvironmentVariable("COCOON_NET_ROOT") is { Length: > 0 })
        {
            return; // the root check comes first for commands that change the host
        }

        var (exit, stdout, stderr) = Run(["daemon", .. args, "--plugins-dir", "/nonexistent", "--kubernetes=false"]);
        Assert.Equal(expected, stderr);
        Assert.Equal(2, exit);
        Assert.Empty(stdout);
        Assert.False(Directory.Exists(args[1]));
    }

    [Fact]
    public void The_paths_where_they_already_are_are_accepted()
    {
        var state = NeverStateDir();
        var paths = new Node.Linux.HostPaths("/");
        UpstreamPaths.Check(Path.Combine(state, "leases.json"), "/run/cocoon-net/control.sock", state, paths);
        UpstreamPaths.Check(Path.Combine(state, "sub/../leases.json"), "/run/cocoon-net//control.sock", state, paths);
        UpstreamPaths.Check(null, null, state, paths);
        Assert.Throws<UsageException>(() => UpstreamPaths.Check("", null, state, paths));
        Assert.Throws<UsageException>(() => UpstreamPaths.Check(null, " ", state, paths));
    }

    [BuildFact]
    public void Upstreams_variables_are_checked_as_the_flags_are()
    {
        if (!Environment.IsPrivilegedProcess)
        {
            return; // the root check comes first
        }

        var state = NeverStateDir();
        var env = new Dictionary<string, string> { ["COCOON_NET_METRICS_ADDR"] = "localhost", ["KUBERNETES_SERVICE_HOST"] = "" };
        var bad = Shell.Run(TestEnvironment.Binary, ["daemon", "--state-dir", state, "--plugins-dir", "/nonexistent"], env);
        Assert.Equal(2, bad.ExitCode);
        Assert.Equal("Error: COCOON_NET_METRICS_ADDR 'localhost': expected HOST:PORT; write e.g. 127.0.0.1:9092, 0.0.0.0:9092 or [::]:9092\n", bad.Stderr);

        env = new Dictionary<string, string> { ["COCOON_NET_CONTROL_SOCKET"] = "/tmp/x.sock", ["KUBERNETES_SERVICE_HOST"] = "" };
        var socket = Shell.Run(TestEnvironment.Binary, ["agent", "--state-dir", state, "--plugins-dir", "/nonexistent"], env);
        Assert.Equal(2, socket.ExitCode);
        Assert.Equal("Error: COCOON_NET_CONTROL_SOCKET=/tmp/x.sock: the control socket is always /run/cocoon-net/control.sock, where vk-cocoon and status find it; unset COCOON_NET_CONTROL_SOCKET\n",
            socket.Stderr);
        Assert.False(Directory.Exists(state));
    }
}
