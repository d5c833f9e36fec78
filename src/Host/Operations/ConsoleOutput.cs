namespace CocoonNet.Host.Operations;

/// <summary>Command results: stdout only. Logs go to stderr through ILogger.</summary>
internal sealed class ConsoleOutput(TextWriter writer)
{
    public void Line(string text = "") => writer.WriteLine(text);
}

/// <summary>Bad input, found before anything changed: exit code 2.</summary>
internal sealed class UsageException(string message) : Exception(message);

internal static class ExitCodes
{
    public const int Success = 0;
    public const int Failure = 1;
    public const int Usage = 2;
}
