using Microsoft.Extensions.DependencyInjection;

namespace CocoonNet.Abstractions;

/// <summary>The documented way for a plugin to register its provider and backend.</summary>
public static class PluginServiceCollectionExtensions
{
    /// <summary>
    /// Registers the plugin's cloud provider (a singleton). A plugin has at most one; the type may be internal.
    /// </summary>
    public static IServiceCollection AddCloudProvider<TProvider>(this IServiceCollection services)
        where TProvider : class, ICloudProvider
    {
        ArgumentNullException.ThrowIfNull(services);
        return services.AddSingleton<ICloudProvider, TProvider>();
    }

    /// <summary>
    /// Registers the plugin's host backend (a singleton). Optional: without one the host treats the node as
    /// a plain Linux host (no secondary NICs, nothing to prepare, primary NIC from the default route, else <c>eth0</c>).
    /// </summary>
    public static IServiceCollection AddHostBackend<TBackend>(this IServiceCollection services)
        where TBackend : class, IHostNetworkBackend
    {
        ArgumentNullException.ThrowIfNull(services);
        return services.AddSingleton<IHostNetworkBackend, TBackend>();
    }
}
