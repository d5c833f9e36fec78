namespace CocoonNet.Host;

/// <summary>Bad input, found before anything changed: exit code 2.</summary>
internal sealed class UsageException(string message) : Exception(message);

/// <summary>A failure with its own documented exit code (e.g. status on a node never set up).</summary>
internal sealed class ExitCodeException(int exitCode, string message) : Exception(message)
{
    public int ExitCode { get; } = exitCode;
}
