using System.Diagnostics;

namespace CocoonNet.Tests.Support;

/// <summary>
/// Runs the dotnet CLI as a plugin author would, from a test: without the variables the test host inherits
/// from `dotnet test` (MSBuild's and VSTest's own, which would steer a nested build), and without build
/// servers, so no MSBuild or compiler process outlives the test.
/// </summary>
internal static class DotnetCli
{
    public static CommandResult Run(string workingDirectory, TimeSpan timeout, params string[] arguments)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        foreach (var key in info.Environment.Keys.Where(IsInherited).ToList())
        {
            info.Environment.Remove(key);
        }

        info.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        info.Environment["DOTNET_NOLOGO"] = "1";
        info.Environment["DOTNET_SKIP_FIRST_TIME_EXPERIENCE"] = "1";
        info.Environment["DOTNET_CLI_USE_MSBUILD_SERVER"] = "0";
        info.Environment["MSBUILDDISABLENODEREUSE"] = "1";
        info.Environment["UseSharedCompilation"] = "false";

        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(timeout))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"dotnet {string.Join(' ', arguments)} did not finish in {timeout.TotalSeconds} s");
        }

        return new CommandResult(process.ExitCode, stdout.Result, stderr.Result);
    }

    private static bool IsInherited(string key) =>
        key.StartsWith("MSBuild", StringComparison.OrdinalIgnoreCase)
        || key.StartsWith("VSTEST", StringComparison.OrdinalIgnoreCase)
        || key.StartsWith("TESTINGPLATFORM", StringComparison.OrdinalIgnoreCase)
        || key is "DOTNET_HOST_PATH" or "NUGET_PACKAGES";
}
