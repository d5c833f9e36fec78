using CocoonNet.Tests.Support;
using CocoonNet.Host.Agent;
using CocoonNet.Host.Cli;

namespace CocoonNet.Tests.Unit;

/// <summary>The agent's flags: one duration syntax for every duration flag, HOST:PORT, and bad input refused with exit 2.</summary>
public sealed class AgentOptionsTests
{
    private static (int Exit, string Stdout, string Stderr) Run(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var exit = new CliApplication(stdout, stderr).RunAsync(args, CancellationToken.None).GetAwaiter().GetResult();
        return (exit, stdout.ToString(), stderr.ToString());
    }

    [Theory]
    [InlineData("500ms", 500)]
    [InlineData("2s", 2_000)]
    [InlineData("10m", 600_000)]
    [InlineData("1h", 3_600_000)]
    [InlineData(" 90s ", 90_000)]
    public void Durations_are_a_whole_number_and_a_unit(string text, int milliseconds)
    {
        Assert.Equal(TimeSpan.FromMilliseconds(milliseconds), Durations.Parse(text, allowZero: false, out var problem));
        Assert.Null(problem);
        Assert.Equal(text.Trim(), Durations.Format(TimeSpan.FromMilliseconds(milliseconds)));
    }

    [Theory]
    [InlineData("5")]
    [InlineData("5x")]
    [InlineData("1.5s")]
    [InlineData("-1s")]
    [InlineData("s")]
    [InlineData("")]
    [InlineData("0s")]
    [InlineData("25h")]
    [InlineData("1S")]
    public void Anything_else_is_refused(string text)
    {
        Assert.Null(Durations.Parse(text, allowZero: false, out var problem));
        Assert.NotNull(problem);
    }

    [Fact]
    public void Zero_turns_off_only_where_allowed()
    {
        Assert.Equal(TimeSpan.Zero, Durations.Parse("0", allowZero: true, out _));
        Assert.Null(Durations.Parse("0", allowZero: false, out _));
    }

    [Fact]
    public void Jitter_stays_within_ten_percent()
    {
        var random = new Random(7);
        for (var i = 0; i < 1000; i++)
        {
            var value = Durations.Jittered(TimeSpan.FromSeconds(60), random);
            Assert.InRange(value.TotalSeconds, 54, 66);
        }
    }

    [Theory]
    [InlineData("--resync", "5x", "Error: --resync 5x: expected a duration such as 500ms, 2s, 10m or 1h\n")]
    [InlineData("--resync", "0", "Error: --resync 0: expected a duration such as 500ms, 2s, 10m or 1h\n")]
    [InlineData("--cloud-check", "10", "Error: --cloud-check 10: expected a duration such as 500ms, 2s, 10m or 1h (0 turns it off)\n")]
    [InlineData("--listen", "9092", "Error: --listen '9092': expected HOST:PORT; write e.g. 127.0.0.1:9092, 0.0.0.0:9092 or [::]:9092\n")]
    [InlineData("--listen", "127.0.0.1:0", "Error: --listen '127.0.0.1:0': the port '0' is not a number from 1 to 65535; write e.g. 127.0.0.1:9092, 0.0.0.0:9092 or [::]:9092\n")]
    [InlineData("--mode", "serve", "Error: --mode serve: use init or adopt\n")]
    public void Bad_agent_flags_exit_2_with_one_line(string flag, string value, string expected)
    {
        var (exit, stdout, stderr) = Run("agent", flag, value, "--plugins-dir", "/nonexistent");
        Assert.Equal(2, exit);
        Assert.Empty(stdout);
        Assert.Equal(expected, stderr);
    }

    [Theory]
    [InlineData(new[] { "agent", "--node-name", "n" }, "Error: --node-name needs --mode init or --mode adopt (without --mode the agent serves the node recorded in pool.json)\n")]
    [InlineData(new[] { "agent", "--mode", "adopt" }, "Error: --node-name is required (e.g. --node-name cocoon-pool)\n")]
    [InlineData(new[] { "agent", "--mode", "adopt", "--node-name", "n", "--subnet", "10.0.0.0/24", "--repair-cloud" },
        "Error: --repair-cloud is for init nodes: an adopted node's cloud side is never touched\n")]
    public void Node_flags_go_with_mode(string[] args, string expected)
    {
        if (!Environment.IsPrivilegedProcess)
        {
            return; // the root check comes first for commands that change the host
        }

        var (exit, stdout, stderr) = Run([.. args, "--plugins-dir", "/nonexistent", "--state-dir", Path.Combine(Path.GetTempPath(), $"cocoon-never-{Guid.NewGuid():N}")]);
        Assert.Equal(2, exit);
        Assert.Empty(stdout);
        Assert.Equal(expected, stderr);
    }

    [BuildFact]
    public void Agent_takes_the_plugins_init_settings_as_flags()
    {
        var (exit, stdout, _) = Run("agent", "--help", "--plugins-dir", Path.Combine(TestEnvironment.OutDirectory, "plugins"));
        Assert.Equal(0, exit);
        Assert.Contains("--security-group-id", stdout);
    }

    [Fact]
    public void Agent_help_ends_with_examples()
    {
        var (exit, stdout, _) = Run("agent", "--help");
        Assert.Equal(0, exit);
        Assert.Contains("--resync", stdout);
        Assert.Contains("cocoon-net agent --mode adopt", stdout);
    }
}
