using System.Diagnostics;
using CocoonNet.Abstractions;

namespace CocoonNet.Providers.Gke.GuestAgent;

/// <summary>The running Google guest agent, which only reads its configuration when it starts.</summary>
internal interface IGuestAgentService
{
    string Name { get; }

    bool IsInstalled();

    Task RestartAsync(CancellationToken cancellationToken);
}

/// <summary>The agent as a systemd unit; "installed" only when systemd runs and the unit file exists.</summary>
internal sealed class SystemdGuestAgentService(IHostFileSystem files) : IGuestAgentService
{
    private static readonly string[] UnitDirectories = ["/etc/systemd/system", "/lib/systemd/system", "/usr/lib/systemd/system"];

    public string Name => "google-guest-agent.service";

    public bool IsInstalled() =>
        Directory.Exists(files.PathOf("/run/systemd/system"))
        && UnitDirectories.Any(d => File.Exists(files.PathOf($"{d}/{Name}")));

    public async Task RestartAsync(CancellationToken cancellationToken)
    {
        var info = new ProcessStartInfo("systemctl") { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        info.ArgumentList.Add("restart");
        info.ArgumentList.Add(Name);
        using var process = Process.Start(info) ?? throw new GkeException($"cannot start systemctl to restart {Name}");
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(TimeSpan.FromSeconds(60));
        var stderr = process.StandardError.ReadToEndAsync(deadline.Token);
        try
        {
            await process.WaitForExitAsync(deadline.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            process.Kill(entireProcessTree: true);
            throw new GkeException($"systemctl restart {Name} did not finish within 60 s");
        }

        if (process.ExitCode != 0)
        {
            throw new GkeException($"systemctl restart {Name} failed (exit {process.ExitCode}): {(await stderr.ConfigureAwait(false)).Trim()}");
        }
    }
}
