using System.Diagnostics;

namespace CocoonNet.Providers.Gke.GuestAgent;

/// <summary>Runs a host command to completion (a seam so tests can see which commands would run).</summary>
internal interface IProcessRunner
{
    /// <summary>Runs <paramref name="file"/>; a non-zero exit or a run past <paramref name="timeout"/> is a <see cref="GkeException"/>.</summary>
    Task RunAsync(string file, IReadOnlyList<string> arguments, TimeSpan timeout, CancellationToken cancellationToken);
}

internal sealed class ProcessRunner : IProcessRunner
{
    public async Task RunAsync(string file, IReadOnlyList<string> arguments, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var command = string.Join(' ', [Path.GetFileName(file), .. arguments]);
        var info = new ProcessStartInfo(file) { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        using var process = Process.Start(info) ?? throw new GkeException($"cannot start {command}");
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        var stdout = process.StandardOutput.ReadToEndAsync(deadline.Token);
        var stderr = process.StandardError.ReadToEndAsync(deadline.Token);
        try
        {
            await process.WaitForExitAsync(deadline.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            process.Kill(entireProcessTree: true);
            throw new GkeException($"{command} did not finish within {timeout.TotalSeconds:0} s");
        }

        await stdout.ConfigureAwait(false);
        if (process.ExitCode != 0)
        {
            throw new GkeException($"{command} failed (exit {process.ExitCode}): {(await stderr.ConfigureAwait(false)).Trim()}");
        }
    }
}
