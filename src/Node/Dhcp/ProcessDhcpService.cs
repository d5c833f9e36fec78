using System.Runtime.InteropServices;
using CocoonNet.Node.Linux;

namespace CocoonNet.Node.Dhcp;

/// <summary>
/// Runs dnsmasq as a daemon that cocoon-net supervises through a pid file, for hosts and containers
/// without systemd. dnsmasq validates its config before it forks, so a bad config fails the run.
/// </summary>
internal sealed partial class ProcessDhcpService(HostPaths paths, IProcessRunner runner) : IDhcpService
{
    private const int SigTerm = 15;

    private const UnixFileMode LogDirectoryMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
        | UnixFileMode.GroupRead | UnixFileMode.GroupExecute;

    public string Mode => "process";

    public Task<int?> RunningPidAsync(CancellationToken cancellationToken) => Task.FromResult(ReadLivePid());

    public string? PendingInstall() => null;

    public Task<bool> InstallAsync(CancellationToken cancellationToken) => Task.FromResult(false);

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(paths.RunDirectory);
        // log-dhcp would go to syslog, which a container without /dev/log drops: DHCP problems would be
        // invisible. The log file is a command-line option so cni0.conf stays upstream's file.
        // The dhcp step claims the directory and the file in the footprint before this runs.
        Directory.CreateDirectory(paths.LogDirectory, LogDirectoryMode);
        var result = await runner.RunAsync(
            "dnsmasq",
            [$"--conf-file={paths.DnsmasqConfigFile}", $"--pid-file={paths.DnsmasqPidFile}", $"--log-facility={paths.DnsmasqLogFile}"],
            null,
            cancellationToken).ConfigureAwait(false);
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException($"start dnsmasq-cni: {result.Describe()}");
        }

        // dnsmasq's parent exits once the daemon is up; wait for its pid file.
        for (var i = 0; i < 100 && ReadLivePid() is null; i++)
        {
            await Task.Delay(20, cancellationToken).ConfigureAwait(false);
        }

        if (ReadLivePid() is null)
        {
            throw new InvalidOperationException($"start dnsmasq-cni: no running dnsmasq behind {paths.DnsmasqPidFile}");
        }
    }

    public async Task RestartAsync(CancellationToken cancellationToken)
    {
        await StopAsync(cancellationToken).ConfigureAwait(false);
        await StartAsync(cancellationToken).ConfigureAwait(false);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (ReadLivePid() is not { } pid)
        {
            File.Delete(paths.DnsmasqPidFile);
            return;
        }

        _ = Kill(pid, SigTerm);
        for (var i = 0; i < 250 && IsDnsmasq(pid); i++)
        {
            await Task.Delay(20, cancellationToken).ConfigureAwait(false);
        }

        if (IsDnsmasq(pid))
        {
            throw new InvalidOperationException($"stop dnsmasq-cni: pid {pid} did not exit within 5 s");
        }

        File.Delete(paths.DnsmasqPidFile);
    }

    public Task UninstallAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>The pid in the pid file when that process is a live dnsmasq (not a reused pid).</summary>
    private int? ReadLivePid()
    {
        // Never through a link, never blocking on a FIFO planted there.
        return AtomicFile.ReadText(paths.DnsmasqPidFile) is { } text && int.TryParse(text.Trim(), out var pid) && IsDnsmasq(pid) ? pid : null;
    }

    private static bool IsDnsmasq(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            // "pid (comm) state ...": a zombie (Z) has exited already.
            return stat.Contains("(dnsmasq)", StringComparison.Ordinal) && !stat.Contains(") Z ", StringComparison.Ordinal);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException or IOException)
        {
            return false;
        }
    }

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);
}
