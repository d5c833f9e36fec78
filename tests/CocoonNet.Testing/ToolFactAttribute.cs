namespace CocoonNet.Tests.Support;

/// <summary>
/// A test that needs a program on PATH (e.g. promtool, systemd-analyze). Skipped on a developer machine
/// without it; under CI=true never skipped, so a missing package fails the run.
/// </summary>
public sealed class ToolFactAttribute : FactAttribute
{
    public ToolFactAttribute(string tool)
    {
        var found = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Append("/usr/bin").Append("/usr/sbin")
            .Any(d => File.Exists(Path.Combine(d, tool)));
        if (!found && !TestEnvironment.IsCi)
        {
            Skip = $"{tool} is not installed (make deps-system)";
        }
    }
}
