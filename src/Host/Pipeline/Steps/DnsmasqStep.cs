using CocoonNet.Host.Dhcp;
using CocoonNet.Host.Linux;

namespace CocoonNet.Host.Pipeline.Steps;

/// <summary>
/// The dnsmasq config on cni0 and the dnsmasq-cni service behind it. The service is (re)started only
/// when it is not running or runs an older config: a stamp keeps a copy of the config it was started
/// with, so a run that crashed between writing the config and restarting is caught by the next run.
/// </summary>
internal sealed class DnsmasqStep(HostPaths paths, DhcpServices services) : IHostStep
{
    private const UnixFileMode FileMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead;
    private const UnixFileMode DirectoryMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
        | UnixFileMode.GroupRead | UnixFileMode.GroupExecute;

    public string Name => "dhcp";

    public async Task<StepPlan> PlanSetupAsync(HostSpec spec, HostFootprint footprint, CancellationToken cancellationToken)
    {
        var plan = new StepPlan(Name);
        var config = DnsmasqConfigRenderer.Render(spec, paths.DnsmasqLeaseFile);
        var configFile = paths.DnsmasqConfigFile;
        var writeConfig = !AtomicFile.HasContent(configFile, config);
        var configExisted = File.Exists(configFile);
        var createLeaseFile = !File.Exists(paths.DnsmasqLeaseFile);
        var service = services.For(spec.ServiceMode);
        var install = service.PendingInstall();
        var pid = await service.RunningPidAsync(cancellationToken).ConfigureAwait(false);
        var applied = ReadStamp();
        var start = pid is null;
        var restart = pid is not null && applied != config;

        if (writeConfig)
        {
            plan.Add(configExisted ? $"~ update {configFile}" : $"+ write {configFile}");
        }

        if (createLeaseFile)
        {
            plan.Add($"+ create lease file {paths.DnsmasqLeaseFile}");
        }

        if (install is not null)
        {
            plan.Add(install);
        }

        if (start)
        {
            plan.Add($"+ start dnsmasq-cni ({service.Mode})");
        }
        else if (restart)
        {
            plan.Add($"~ restart dnsmasq-cni ({service.Mode}, pid {pid}): config changed");
        }

        plan.Apply = async (fp, ct) =>
        {
            if (writeConfig)
            {
                Directory.CreateDirectory(Path.GetDirectoryName(configFile)!, DirectoryMode);
                AtomicFile.Write(configFile, config, FileMode);
                if (!configExisted)
                {
                    fp.RecordCreatedFile(configFile);
                }
            }

            if (createLeaseFile)
            {
                Directory.CreateDirectory(Path.GetDirectoryName(paths.DnsmasqLeaseFile)!, DirectoryMode);
                using (File.Open(paths.DnsmasqLeaseFile, new FileStreamOptions { Mode = System.IO.FileMode.OpenOrCreate, Access = FileAccess.Write, UnixCreateMode = FileMode }))
                {
                }

                fp.RecordCreatedFile(paths.DnsmasqLeaseFile);
            }

            if (install is not null && await service.InstallAsync(ct).ConfigureAwait(false))
            {
                fp.DhcpUnitInstalled = true;
            }

            if (start)
            {
                await service.StartAsync(ct).ConfigureAwait(false);
            }
            else if (restart)
            {
                await service.RestartAsync(ct).ConfigureAwait(false);
            }

            fp.DhcpService = service.Mode;
            Directory.CreateDirectory(paths.RunDirectory);
            AtomicFile.Write(paths.DnsmasqAppliedStamp, config, FileMode);
        };
        return plan;
    }

    public async Task<StepPlan> PlanTeardownAsync(HostSpec spec, HostFootprint footprint, CancellationToken cancellationToken)
    {
        var plan = new StepPlan(Name);
        var service = footprint.DhcpService is { } mode ? services.For(mode) : null;
        var pid = service is null ? null : await service.RunningPidAsync(cancellationToken).ConfigureAwait(false);
        var configFile = paths.DnsmasqConfigFile;
        var removeConfig = footprint.Files.Contains(configFile) && File.Exists(configFile);
        var removeLeases = footprint.Files.Contains(paths.DnsmasqLeaseFile) && File.Exists(paths.DnsmasqLeaseFile);
        // The log is at a path only cocoon-net uses (process mode's --log-facility).
        // TODO(integrator): record the log file and directory in the footprint instead.
        var removeLog = File.Exists(paths.DnsmasqLogFile);
        if (pid is not null)
        {
            plan.Add($"- stop dnsmasq-cni ({service!.Mode}, pid {pid})");
        }

        if (footprint.DhcpUnitInstalled)
        {
            plan.Add($"- remove unit {paths.SystemdUnitFile}");
        }

        if (removeConfig)
        {
            plan.Add($"- remove {configFile}");
        }

        if (removeLeases)
        {
            plan.Add($"- remove {paths.DnsmasqLeaseFile}");
        }

        if (removeLog)
        {
            plan.Add($"- remove {paths.DnsmasqLogFile}");
        }

        if (plan.IsEmpty && footprint.DhcpService is not null)
        {
            plan.Add("~ forget dnsmasq-cni ownership (not running)");
        }

        plan.Apply = async (fp, ct) =>
        {
            if (pid is not null)
            {
                await service!.StopAsync(ct).ConfigureAwait(false);
            }

            if (fp.DhcpUnitInstalled)
            {
                await services.For(DhcpServiceMode.Systemd).UninstallAsync(ct).ConfigureAwait(false);
                fp.DhcpUnitInstalled = false;
            }

            if (removeConfig)
            {
                File.Delete(configFile);
                fp.Files.Remove(configFile);
                DeleteDirectoryIfEmpty(Path.GetDirectoryName(configFile)!);
            }

            if (removeLeases)
            {
                File.Delete(paths.DnsmasqLeaseFile);
                fp.Files.Remove(paths.DnsmasqLeaseFile);
            }

            if (removeLog)
            {
                File.Delete(paths.DnsmasqLogFile);
                try
                {
                    DeleteDirectoryIfEmpty(paths.LogDirectory);
                }
                catch (IOException)
                {
                    // A mount point or a directory someone else filled: not ours to remove.
                }
            }

            File.Delete(paths.DnsmasqAppliedStamp);
            fp.DhcpService = null;
        };
        return plan;
    }

    internal static void DeleteDirectoryIfEmpty(string directory)
    {
        if (Directory.Exists(directory) && !Directory.EnumerateFileSystemEntries(directory).Any())
        {
            Directory.Delete(directory);
        }
    }

    private string? ReadStamp()
    {
        try
        {
            return File.ReadAllText(paths.DnsmasqAppliedStamp);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }
    }
}
