namespace CocoonNet.Host.Operations;

/// <summary>Command results: stdout only. Logs go to stderr through ILogger.</summary>
internal sealed class ConsoleOutput(TextWriter writer)
{
    public void Line(string text = "") => writer.WriteLine(text);

    /// <summary>Writes <paramref name="text"/> as is (it brings its own line ends).</summary>
    public void Text(string text) => writer.Write(text);
}

/// <summary>Bad input, found before anything changed: exit code 2.</summary>
internal sealed class UsageException(string message) : Exception(message);

/// <summary>A failure with its own documented exit code (e.g. status on a node never set up).</summary>
internal sealed class ExitCodeException(int exitCode, string message) : Exception(message)
{
    public int ExitCode { get; } = exitCode;
}

internal static class ExitCodes
{
    public const int Success = 0;
    public const int Failure = 1;
    public const int Usage = 2;

    /// <summary>status: the node is set up but something is missing or down (see its problems).</summary>
    public const int Degraded = 3;

    /// <summary>status: no pool state, the node was never set up (or was torn down).</summary>
    public const int NoState = 4;
}
