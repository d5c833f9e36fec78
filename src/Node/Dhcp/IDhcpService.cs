namespace CocoonNet.Node.Dhcp;

/// <summary>The <c>dnsmasq-cni</c> service, run either by systemd or by cocoon-net itself.</summary>
internal interface IDhcpService
{
    /// <summary><c>systemd</c> or <c>process</c>.</summary>
    string Mode { get; }

    /// <summary>Pid of the running dnsmasq, or null when it is not running.</summary>
    Task<int?> RunningPidAsync(CancellationToken cancellationToken);

    /// <summary>The change needed to install the service definition, or null when it is in place.</summary>
    string? PendingInstall();

    /// <summary>Installs the service definition; true when cocoon-net created it.</summary>
    Task<bool> InstallAsync(CancellationToken cancellationToken);

    Task StartAsync(CancellationToken cancellationToken);

    Task RestartAsync(CancellationToken cancellationToken);

    Task StopAsync(CancellationToken cancellationToken);

    /// <summary>Removes the service definition cocoon-net installed.</summary>
    Task UninstallAsync(CancellationToken cancellationToken);
}
