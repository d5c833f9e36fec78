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
        Assert.Contains("Error: Option '--subnet' is required.", stderr);
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
}
