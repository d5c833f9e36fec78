using CocoonNet.Host.Agent.Ports;
using CocoonNet.Node.Dhcp.Embedded;
using CocoonNet.Node.Linux;
using CocoonNet.Node.Linux.Netlink;
using CocoonNet.Node.PortSecurity;
using Microsoft.Extensions.DependencyInjection;

namespace CocoonNet.Host.Agent.PortSecurity;

/// <summary>The agent's anti-spoofing upkeep: the keeper, the embedded server's admission, the port listener.</summary>
internal static class PortSecurityServices
{
    public static IServiceCollection AddPortSecurity(this IServiceCollection services, IServiceProvider commands)
    {
        services.AddSingleton(commands.GetRequiredService<INftables>());
        services.AddSingleton(_ => new NftSetElements(NftSetElements.FamilyBridge, PortSecurityRuleset.TableName));
        services.AddSingleton<INftSetWriter>(sp => sp.GetRequiredService<NftSetElements>());
        services.AddSingleton<PortSecurityKeeper>();
        services.AddSingleton<ILeaseAdmission>(sp => sp.GetRequiredService<PortSecurityKeeper>());
        services.AddSingleton<IBridgePortListener, PortSecurityPortListener>();
        return services;
    }
}
