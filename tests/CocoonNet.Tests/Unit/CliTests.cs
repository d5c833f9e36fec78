using CocoonNet.Host.Cli;

namespace CocoonNet.Tests.Unit;

/// <summary>The CLI in-process: exit codes, where messages go, and that bad input stops before any change.</summary>
public sealed class CliTests
{
    private static (int Exit, string Stdout, string Stderr) Run(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var exit = new CliApplication(stdout, stderr).RunAsync(args, CancellationToken.None).GetAwaiter().GetResult();
        return (exit, stdout.ToString(), stderr.ToString());
    }

    private static readonly string NeverCreated = Path.Combine(Path.GetTempPath(), $"cocoon-never-created-{Guid.NewGuid():N}");

    [Fact]
    public void Version_prints_upstreams_line()
    {
        var (exit, stdout, _) = Run("--version");
        Assert.Equal(0, exit);
        Assert.Matches(@"^cocoon-net version \d+\.\d+\.\d+\n$", stdout);
    }

    [Fact]
    public void Missing_required_flags_exit_2_on_stderr()
    {
        var (exit, stdout, stderr) = Run("adopt", "--node-name", "n");
        Assert.Equal(2, exit);
        Assert.Empty(stdout);
        Assert.Equal("Error: --subnet is required (e.g. --subnet 172.20.100.0/24)\n", stderr);
    }

    [Fact]
    public void Invalid_values_exit_2_with_one_clear_line()
    {
        var (exit, stdout, stderr) = Run("adopt", "--node-name", "n", "--subnet", "10.0.0.0/24", "--gateway", "10.0.1.1",
            "--state-dir", NeverCreated, "--plugins-dir", "/nonexistent");
        Assert.Equal(2, exit);
        Assert.Empty(stdout);
        Assert.Equal("Error: --gateway 10.0.1.1 is outside --subnet 10.0.0.0/24\n", stderr);
        Assert.False(Directory.Exists(NeverCreated));
    }

    [Fact]
    public void Unknown_platform_is_a_usage_error()
    {
        var (exit, _, stderr) = Run("adopt", "--node-name", "n", "--subnet", "10.0.0.0/24", "--platform", "aws", "--plugins-dir", "/nonexistent",
            "--state-dir", NeverCreated);
        Assert.Equal(2, exit);
        Assert.Contains("--platform aws: no loaded plugin serves it (available: none); see 'cocoon-net plugins'", stderr);
    }

    [Fact]
    public void Bad_service_manager_and_output_are_usage_errors()
    {
        Assert.Equal(2, Run("status", "--service-manager", "upstart").Exit);
        Assert.Equal(2, Run("status", "--output", "xml", "--state-dir", "/nonexistent").Exit);
        Assert.Equal(2, Run("plugins", "--output", "xml", "--plugins-dir", "/nonexistent").Exit);
    }

    [Fact]
    public void Status_without_state_exits_4_and_says_what_to_do()
    {
        var (exit, stdout, stderr) = Run("status", "--state-dir", "/nonexistent/dir", "--plugins-dir", "/nonexistent", "-o", "json");
        Assert.Equal(4, exit);
        Assert.Empty(stdout);
        Assert.Equal("Error: no pool state at /nonexistent/dir/pool.json (run 'cocoon-net init' or 'cocoon-net adopt' first)\n", stderr);
    }

    [Fact]
    public void Unknown_flags_are_usage_errors() => Assert.Equal(2, Run("adopt", "--bogus").Exit);

    [Theory]
    [InlineData(new[] { "inti" }, "Error: unknown command 'inti'; did you mean 'init'? (commands: init, adopt, status, teardown, plugins, agent, completion)\n")]
    [InlineData(new[] { "adopt", "--subent", "10.0.0.0/24" }, "Error: unknown option --subent for 'cocoon-net adopt'; did you mean --subnet? (see 'cocoon-net adopt --help')\n")]
    [InlineData(new[] { "adopt", "--node-name", "n", "--subnet", "10.0.0.0/24", "--pool-size", "abc" }, "Error: --pool-size abc: expected a whole number (e.g. --pool-size 140)\n")]
    [InlineData(new[] { "adopt", "--node-name", "n", "--subnet", "10.0.0.0/24", "--manage-iptables=maybe" }, "Error: --manage-iptables maybe: expected true or false (or the bare flag)\n")]
    [InlineData(new[] { "adopt", "--node-name", "n", "--subnet", "10.0.0.0/24", "--state-dir", "" }, "Error: --state-dir is empty: give an absolute directory such as /var/lib/cocoon/net, or leave the flag out for that default\n")]
    [InlineData(new[] { "-v", "-q", "status" }, "Error: --verbose and --quiet contradict each other; give one\n")]
    // Typed at parse time (custom parsers, AcceptOnlyFromAmong), in the same words as before.
    [InlineData(new[] { "status", "--output", "xml" }, "Error: --output xml: use text, json or yaml\n")]
    [InlineData(new[] { "status", "--service-manager", "upstart" }, "Error: --service-manager upstart: use auto, systemd or process\n")]
    [InlineData(new[] { "adopt", "--node-name", "n", "--subnet", "10.0.0.1/24" }, "Error: --subnet 10.0.0.1/24 has host bits set; did you mean 10.0.0.0/24?\n")]
    [InlineData(new[] { "adopt", "--node-name", "n", "--subnet", "10.0.0.0/24", "--gateway", "10.0.0.010" }, "Error: --gateway 10.0.0.010 is not an IPv4 address\n")]
    [InlineData(new[] { "adopt", "--node-name", "n", "--subnet", "10.0.0.0/24", "--dns", "8.8.8.8,x" }, "Error: --dns entry \"x\" is not an IPv4 address (use a comma-separated list such as 8.8.8.8,1.1.1.1)\n")]
    [InlineData(new[] { "adopt", "--node-name", "n", "--subnet", "10.0.0.0/24", "--dhcp", "kea" }, "Error: --dhcp kea: use dnsmasq or embedded\n")]
    [InlineData(new[] { "adopt", "--node-name", "n", "--subnet", "10.0.0.0/24", "--lease-time", "soon" }, "Error: --lease-time soon: expected a duration such as 24h, 30m or 3600s\n")]
    [InlineData(new[] { "init", "--node-name", "n", "--subnet", "10.0.0.0/24", "--lease-time", "60s" }, "Error: --lease-time 60s is out of range: use 2m (dnsmasq's shortest) to 365d\n")]
    [InlineData(new[] { "adopt", "--node-name", "n", "--subnet", "10.0.0.0/24", "--lease-time", "400d" }, "Error: --lease-time 400d is out of range: use 2m (dnsmasq's shortest) to 365d\n")]
    [InlineData(new[] { "agent", "--dhcp", "embedded" }, "Error: --dhcp needs --mode init or --mode adopt (without --mode the agent serves the node recorded in pool.json)\n")]
    [InlineData(new[] { "agent", "--lease-time", "1h" }, "Error: --lease-time needs --mode init or --mode adopt (without --mode the agent serves the node recorded in pool.json)\n")]
    public void Parse_problems_are_one_line_in_plain_words(string[] args, string expected)
    {
        var (exit, stdout, stderr) = Run(args);
        Assert.Equal(2, exit);
        Assert.Empty(stdout);
        Assert.Equal(expected, stderr);
    }

    [Theory]
    [InlineData("inti", "init")]
    [InlineData("stauts", "status")]
    [InlineData("tear", "teardown")]
    [InlineData("plugin", "plugins")]
    [InlineData("frobnicate", null)]
    public void Typos_get_the_closest_command(string typed, string? expected) =>
        Assert.Equal(expected, Suggestions.Closest(typed, ["init", "adopt", "status", "teardown", "plugins", "completion"]));

    [Fact]
    public void Help_ends_with_examples()
    {
        var (exit, stdout, _) = Run("adopt", "--help");
        Assert.Equal(0, exit);
        Assert.Contains("Examples:\n  cocoon-net adopt --node-name cocoon-pool --subnet 172.20.0.0/24 --dry-run", stdout);
    }

    [Fact]
    public void Bash_completion_parses_and_registers_itself()
    {
        var (exit, script, _) = Run("completion", "bash");
        Assert.Equal(0, exit);
        Assert.Contains("--subnet", script);
        var file = Path.Combine(Path.GetTempPath(), $"cocoon-net-completion-{Guid.NewGuid():N}.bash");
        try
        {
            File.WriteAllText(file, script);
            Assert.Equal(0, Support.Shell.Run("bash", ["-n", file]).ExitCode);
            var registered = Support.Shell.Run("bash", ["-c", $"source {file} && complete -p cocoon-net"]);
            Assert.Equal("complete -F _cocoon_net cocoon-net\n", registered.Stdout);
            // What bash offers after "cocoon-net adopt --sub".
            var offered = Support.Shell.Run("bash", ["-c",
                $"source {file}; COMP_WORDS=(cocoon-net adopt --sub); COMP_CWORD=2; _cocoon_net; echo \"${{COMPREPLY[@]}}\""]);
            Assert.Equal("--subnet\n", offered.Stdout);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Theory]
    [InlineData("zsh", "autoload -U +X bashcompinit && bashcompinit")]
    [InlineData("fish", "complete -c cocoon-net -n '__fish_seen_subcommand_from adopt' -l subnet")]
    public void Other_shells_get_their_script(string shell, string expected)
    {
        var (exit, script, _) = Run("completion", shell);
        Assert.Equal(0, exit);
        Assert.Contains(expected, script);
    }
}
