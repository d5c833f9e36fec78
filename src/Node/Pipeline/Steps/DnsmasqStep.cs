using CocoonNet.Node.Dhcp;
using CocoonNet.Node.Linux;
using CocoonNet.Node.State;

namespace CocoonNet.Node.Pipeline.Steps;

/// <summary>
/// The dnsmasq config on cni0 and the dnsmasq-cni service behind it. The service is (re)started only
/// when it is not running or runs an older config: a stamp keeps a copy of the config it was started
/// with, so a run that crashed between writing the config and restarting is caught by the next run. With the
/// embedded DHCP backend none of it is wanted: setup removes what dnsmasq mode left (the teardown plan), so switching
/// backends converges.
/// </summary>
internal sealed class DnsmasqStep(HostPaths paths, DhcpServices services) : IHostStep
{
    private const UnixFileMode FileMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead;
    private const UnixFileMode DirectoryMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
        | UnixFileMode.GroupRead | UnixFileMode.GroupExecute;

    public HostStepId Id => HostStepId.Dhcp;

    public async Task<StepPlan> PlanSetupAsync(HostSpec spec, HostFootprint footprint, CancellationToken cancellationToken)
    {
        if (spec.Backend == Leases.DhcpBackend.Embedded)
        {
            // The agent answers DHCP itself: a dnsmasq-cni of ours on cni0 would answer too.
            var removal = await PlanTeardownAsync(spec, footprint, cancellationToken).ConfigureAwait(false);
            if (!removal.IsEmpty)
            {
                removal.Notes.Add("--dhcp embedded: removing the dnsmasq-cni that cocoon-net ran before");
            }

            return removal;
        }

        var plan = new StepPlan(Id);
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

        var configDirectory = Path.GetDirectoryName(configFile)!;
        if (writeConfig)
        {
            plan.Add(
                configExisted ? $"~ update {configFile}" : $"+ write {configFile}",
                fp =>
                {
                    fp.ClaimDirectories(configDirectory);
                    if (!configExisted)
                    {
                        fp.RecordCreatedFile(configFile);
                    }
                },
                _ =>
                {
                    Directory.CreateDirectory(configDirectory, DirectoryMode);
                    AtomicFile.Write(configFile, config, FileMode);
                });
        }

        if (createLeaseFile)
        {
            var leaseDirectory = Path.GetDirectoryName(paths.DnsmasqLeaseFile)!;
            plan.Add(
                $"+ create lease file {paths.DnsmasqLeaseFile}",
                fp =>
                {
                    fp.ClaimDirectories(leaseDirectory);
                    fp.RecordCreatedFile(paths.DnsmasqLeaseFile);
                },
                _ =>
                {
                    Directory.CreateDirectory(leaseDirectory, DirectoryMode);
                    using (File.Open(paths.DnsmasqLeaseFile, new FileStreamOptions { Mode = System.IO.FileMode.OpenOrCreate, Access = FileAccess.Write, UnixCreateMode = FileMode }))
                    {
                    }
                });
        }

        if (install is not null)
        {
            // The unit is on record before it is written: a run that fails or is killed after writing it
            // (systemctl missing, say) leaves it for teardown to remove.
            var unitExisted = File.Exists(paths.SystemdUnitFile);
            plan.Add(
                install,
                fp =>
                {
                    fp.ClaimDirectories(Path.GetDirectoryName(paths.SystemdUnitFile)!);
                    fp.DhcpUnitInstalled |= !unitExisted;
                },
                async (_, ct) => await service.InstallAsync(ct).ConfigureAwait(false));
        }

        if (start || restart)
        {
            plan.Add(
                start ? $"+ start dnsmasq-cni ({service.Mode})" : $"~ restart dnsmasq-cni ({service.Mode}, pid {pid}): config changed",
                fp =>
                {
                    fp.ClaimDirectories(paths.RunDirectory);
                    if (spec.ServiceMode == DhcpServiceMode.Process)
                    {
                        // Process mode logs to a file of cocoon-net's (--log-facility); owned like the config.
                        fp.ClaimDirectories(paths.LogDirectory);
                        if (!File.Exists(paths.DnsmasqLogFile))
                        {
                            fp.RecordCreatedFile(paths.DnsmasqLogFile);
                        }
                    }

                    fp.DhcpService = service.Mode;
                },
                async (_, ct) =>
                {
                    Directory.CreateDirectory(paths.RunDirectory, DirectoryMode);
                    if (start)
                    {
                        await service.StartAsync(ct).ConfigureAwait(false);
                    }
                    else
                    {
                        await service.RestartAsync(ct).ConfigureAwait(false);
                    }

                    AtomicFile.Write(paths.DnsmasqAppliedStamp, config, FileMode);
                });
        }

        return plan;
    }

    public async Task<StepPlan> PlanTeardownAsync(HostSpec spec, HostFootprint footprint, CancellationToken cancellationToken)
    {
        var plan = new StepPlan(Id);
        var service = footprint.DhcpService is { } mode ? services.For(mode) : null;
        var pid = service is null ? null : await service.RunningPidAsync(cancellationToken).ConfigureAwait(false);
        var configFile = paths.DnsmasqConfigFile;
        if (pid is not null)
        {
            plan.Add($"- stop dnsmasq-cni ({service!.Mode}, pid {pid})", null, async (fp, ct) =>
            {
                await service.StopAsync(ct).ConfigureAwait(false);
                ForgetService(fp);
            });
        }
        else if (footprint.DhcpService is not null)
        {
            plan.Add("~ forget dnsmasq-cni ownership (not running)", null, ForgetService);
        }
        else
        {
            // Leftovers of a service that is no longer on record (a run killed before it saved that).
            foreach (var file in new[] { paths.DnsmasqPidFile, paths.DnsmasqAppliedStamp }.Where(File.Exists))
            {
                plan.Add($"- remove stale {file}", null, _ => DeleteIfExists(file));
            }
        }

        if (footprint.DhcpUnitInstalled)
        {
            plan.Add($"- remove unit {paths.SystemdUnitFile}", null, async (fp, ct) =>
            {
                await services.For(DhcpServiceMode.Systemd).UninstallAsync(ct).ConfigureAwait(false);
                fp.DhcpUnitInstalled = false;
            });
        }

        foreach (var file in new[] { configFile, paths.DnsmasqLeaseFile, paths.DnsmasqLogFile })
        {
            if (footprint.Files.Contains(file) && !File.Exists(file))
            {
                // Owned but gone: nothing to remove.
                footprint.ForgetFile(file);
            }
            else if (footprint.Files.Contains(file))
            {
                plan.Add($"- remove {file}", null, fp =>
                {
                    DeleteIfExists(file);
                    fp.ForgetFile(file);
                });
            }
        }

        return plan;
    }

    /// <summary>Once dnsmasq is down: its pid file (when stale) and the applied-config stamp go with the record.</summary>
    private void ForgetService(HostFootprint footprint)
    {
        DeleteIfExists(paths.DnsmasqPidFile);
        DeleteIfExists(paths.DnsmasqAppliedStamp);
        footprint.DhcpService = null;
    }

    private static void DeleteIfExists(string file)
    {
        if (File.Exists(file))
        {
            File.Delete(file);
        }
    }

    // Never through a link, never blocking on a FIFO planted there.
    private string? ReadStamp() => AtomicFile.ReadText(paths.DnsmasqAppliedStamp);
}
