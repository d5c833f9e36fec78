using System.Diagnostics;

namespace CocoonNet.Tests.Support;

internal sealed record CommandResult(int ExitCode, string Stdout, string Stderr)
{
    public override string ToString() => $"exit {ExitCode}\n--- stdout\n{Stdout}\n--- stderr\n{Stderr}";
}

/// <summary>Runs commands for the tests (the tests may fork freely; the product may not).</summary>
internal static class Shell
{
    public static CommandResult Run(string file, IEnumerable<string> arguments, IDictionary<string, string>? environment = null, TimeSpan? timeout = null)
    {
        var info = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            info.Environment[key] = value;
        }

        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(timeout ?? TimeSpan.FromSeconds(60)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{file} {string.Join(' ', arguments)} did not finish in time");
        }

        return new CommandResult(process.ExitCode, stdout.Result, stderr.Result);
    }

    /// <summary>Runs and requires exit code 0.</summary>
    public static string Check(string file, params string[] arguments)
    {
        var result = Run(file, arguments);
        return result.ExitCode == 0
            ? result.Stdout
            : throw new InvalidOperationException($"{file} {string.Join(' ', arguments)}: {result}");
    }
}
