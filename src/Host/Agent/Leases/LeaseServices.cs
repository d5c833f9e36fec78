using CocoonNet.Host.Agent.PortSecurity;
using CocoonNet.Node.Leases;
using CocoonNet.Node.Linux;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace CocoonNet.Host.Agent.Leases;

/// <summary>The agent's lease control: the socket, the dnsmasq mirror, and the choice between backends.</summary>
internal static class LeaseServices
{
    /// <summary>
    /// Registers the lease control and both backends' lease services. Call it before the agent loop's registration:
    /// hosted services start in that order, and the socket must exist before the agent reports ready.
    /// </summary>
    public static IServiceCollection AddLeaseControl(this IServiceCollection services, string stateDirectory)
    {
        services.AddSingleton(sp => new DnsmasqLeaseMirror(
            sp.GetRequiredService<HostPaths>().DnsmasqLeaseFile,
            LeaseFile.PathIn(stateDirectory),
            () => sp.GetRequiredService<LeaseBackends>().DnsmasqPool(),
            sp.GetRequiredService<IProcessRunner>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILoggerFactory>().CreateLogger<DnsmasqLeaseMirror>())
        {
            LeasesChanged = sp.GetService<PortSecurityKeeper>() is { } keeper ? keeper.SyncLeasesAsync : (_, _) => Task.CompletedTask,
        });
        services.AddSingleton<EmbeddedDhcpHost>();
        services.AddSingleton<LeaseBackends>();
        services.AddSingleton(sp => new ControlSocket(
            sp.GetRequiredService<HostPaths>().ControlSocket,
            () => sp.GetRequiredService<LeaseBackends>().Leases,
            sp.GetRequiredService<ILoggerFactory>().CreateLogger<ControlSocket>()));
        services.AddHostedService<ControlSocketService>();
        services.AddHostedService<DnsmasqLeaseMirrorService>();
        services.AddHostedService(sp => sp.GetRequiredService<EmbeddedDhcpHost>());
        return services;
    }
}
