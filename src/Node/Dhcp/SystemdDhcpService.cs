using CocoonNet.Node.Linux;
using CocoonNet.Node.Text;

namespace CocoonNet.Node.Dhcp;

/// <summary>Runs dnsmasq as the systemd unit <c>dnsmasq-cni.service</c>, installing the unit when missing.</summary>
internal sealed class SystemdDhcpService(HostPaths paths, IProcessRunner runner) : IDhcpService
{
    public const string Unit = "dnsmasq-cni.service";

    public string Mode => "systemd";

    // Restart=always, not just on-failure: a dnsmasq ended by a
    // SIGTERM from anyone but systemd counts as a clean exit, which on-failure would leave down until the next
    // boot while the VMs' leases run out. Back within about 1 s, as in process mode, and never given up on
    // (StartLimitIntervalSec=0): a node whose DHCP stopped retrying serves no VM; a retry a second costs little.
    public string UnitText => $"""
        # Installed by cocoon-net: DHCP for the VMs on cni0. Config: /etc/dnsmasq-cni.d/cni0.conf
        [Unit]
        Description=dnsmasq DHCP for cocoon-net VMs on cni0
        After=network.target
        StartLimitIntervalSec=0

        [Service]
        ExecStart={Word(DnsmasqPath())} --keep-in-foreground --conf-file={Word(paths.DnsmasqConfigFile)} --pid-file=
        Restart=always
        RestartSec=1

        [Install]
        WantedBy=multi-user.target

        """;

    public async Task<int?> RunningPidAsync(CancellationToken cancellationToken)
    {
        var result = await Systemctl(cancellationToken, "show", "--property=MainPID", "--value", Unit).ConfigureAwait(false);
        return int.TryParse(result.StandardOutput.Trim(), out var pid) && pid > 0 ? pid : null;
    }

    public string? PendingInstall() => AtomicFile.HasContent(paths.SystemdUnitFile, UnitText)
        ? null
        : File.Exists(paths.SystemdUnitFile) ? $"~ update unit {paths.SystemdUnitFile}" : $"+ install unit {paths.SystemdUnitFile}";

    public async Task<bool> InstallAsync(CancellationToken cancellationToken)
    {
        var created = !File.Exists(paths.SystemdUnitFile);
        Directory.CreateDirectory(Path.GetDirectoryName(paths.SystemdUnitFile)!);
        AtomicFile.Write(paths.SystemdUnitFile, UnitText, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        await Check(cancellationToken, "daemon-reload").ConfigureAwait(false);
        await Check(cancellationToken, "enable", Unit).ConfigureAwait(false);
        return created;
    }

    public Task StartAsync(CancellationToken cancellationToken) => Check(cancellationToken, "start", Unit);

    public Task RestartAsync(CancellationToken cancellationToken) => Check(cancellationToken, "restart", Unit);

    public Task StopAsync(CancellationToken cancellationToken) => Check(cancellationToken, "stop", Unit);

    /// <summary>
    /// Removes the unit and its enablement. Without a running systemd (a unit written by a run that then
    /// failed on systemctl) the files are removed directly, so teardown still finishes.
    /// </summary>
    public async Task UninstallAsync(CancellationToken cancellationToken)
    {
        var booted = Directory.Exists(paths.SystemdRuntimeDirectory);
        if (booted && File.Exists(paths.SystemdUnitFile))
        {
            await Check(cancellationToken, "disable", Unit).ConfigureAwait(false);
        }

        var wants = Path.Combine(Path.GetDirectoryName(paths.SystemdUnitFile)!, "multi-user.target.wants", Unit);
        foreach (var file in new[] { wants, paths.SystemdUnitFile })
        {
            if (File.Exists(file) || new FileInfo(file).LinkTarget is not null)
            {
                File.Delete(file);
            }
        }

        if (booted)
        {
            await Check(cancellationToken, "daemon-reload").ConfigureAwait(false);
        }
    }

    /// <summary>
    /// A path as one ExecStart word: systemd splits the line at white space and expands <c>%</c> specifiers and
    /// <c>$</c> variables, and a line break would start a directive of its own.
    /// </summary>
    private static string Word(string path) =>
        ConfigText.IsToken(path) && !path.Any(c => c is '%' or '$' or '\\' or '"' or '\'' or ';')
            ? path
            : throw new InvalidOperationException(
                $"refusing to write {Unit}: path {ConfigText.Quote(path)} has white space, control characters or characters systemd interprets; use a plain path");

    private static string DnsmasqPath() =>
        (Environment.GetEnvironmentVariable("PATH") ?? "/usr/sbin:/usr/bin").Split(':')
            .Select(d => Path.Combine(d, "dnsmasq"))
            .FirstOrDefault(File.Exists) ?? "/usr/sbin/dnsmasq";

    private async Task Check(CancellationToken cancellationToken, params string[] arguments)
    {
        var result = await Systemctl(cancellationToken, arguments).ConfigureAwait(false);
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException($"systemctl {string.Join(' ', arguments)}: {result.Describe()}");
        }
    }

    private Task<ProcessResult> Systemctl(CancellationToken cancellationToken, params string[] arguments) =>
        runner.RunAsync("systemctl", arguments, null, cancellationToken);
}
