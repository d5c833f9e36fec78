using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace CocoonNet.Host.Agent.Ports;

/// <summary>The agent's bridge-port watch and its listeners (another listener registers as one more <see cref="IBridgePortListener"/>).</summary>
internal static class PortServices
{
    public static IServiceCollection AddBridgePortWatch(this IServiceCollection services)
    {
        services.AddSingleton<IBridgePortListener>(sp => new PortIsolationListener(
            sp.GetRequiredService<NodeChanges>(), sp.GetRequiredService<ILoggerFactory>().CreateLogger<PortIsolationListener>()));
        services.AddHostedService<BridgePortWatcher>();
        return services;
    }
}
