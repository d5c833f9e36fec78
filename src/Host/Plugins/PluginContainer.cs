using CocoonNet.Abstractions;
using CocoonNet.Host.Logging;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Scrutor;

namespace CocoonNet.Host.Plugins;

/// <summary>
/// Builds one plugin's own container: the host-owned services a plugin may inject, then what the plugin's
/// <see cref="ICocoonNetPlugin.ConfigureServices"/> adds — never replaced, never shared with another plugin,
/// so a plugin needs no name prefixes for its HTTP clients or options.
/// </summary>
internal static class PluginContainer
{
    /// <summary>Service types the host provides to every plugin; a plugin registering one is refused.</summary>
    public static readonly IReadOnlyList<Type> HostOwned =
        [typeof(IHostNetwork), typeof(IHostFileSystem), typeof(IPluginSettings), typeof(TimeProvider), typeof(ILoggerFactory), typeof(ILogger<>)];

    /// <summary>
    /// The plugin's container, its settings fixed as <paramref name="settings"/> resolved them.
    /// <paramref name="validate"/> checks every registration can be built
    /// (<c>ValidateOnBuild</c>, <c>ValidateScopes</c>): tests do; runs do not pay for it.
    /// </summary>
    /// <exception cref="PluginConfigurationException">The plugin's registrations break a rule.</exception>
    public static ServiceProvider Build(DiscoveredPlugin plugin, IServiceProvider host, IPluginSettings settings, bool validate = false)
    {
        var instance = plugin.Instance ?? throw new InvalidOperationException($"plugin {plugin.Name} is not loaded");
        var services = new ServiceCollection();
        var logs = host.GetRequiredService<StderrLoggerProvider>();
        services.AddSingleton<ILoggerFactory>(new StderrLoggerFactory(logs, plugin.Name));
        services.AddSingleton(typeof(ILogger<>), typeof(Logger<>));
        services.AddSingleton(_ => host.GetRequiredService<IHostNetwork>());
        services.AddSingleton(_ => host.GetRequiredService<IHostFileSystem>());
        services.AddSingleton(_ => host.GetRequiredService<TimeProvider>());
        services.AddSingleton(settings);
        var hostOwned = services.Count;

        try
        {
            // Abandoned at the deadline, the plugin's thread may go on adding to this collection: it is
            // thrown away with the exception, never built.
            if (!PluginDeadline.TryRun(plugin.Name, () => { instance.ConfigureServices(services); return true; }, out _))
            {
                throw new PluginConfigurationException(
                    $"plugin {plugin.Name} did not register its services within {PluginDeadline.Shown} (its ConfigureServices never returned); it is skipped: remove or fix it");
            }
        }
        catch (Exception e) when (e is not (OutOfMemoryException or PluginConfigurationException))
        {
            throw new PluginConfigurationException($"plugin {plugin.Name} failed to register its services: {e.Message}", e);
        }

        if (services.Skip(hostOwned).FirstOrDefault(d => HostOwned.Contains(d.ServiceType)) is { } replaced)
        {
            throw new PluginConfigurationException(
                $"plugin {plugin.Name} registers {replaced.ServiceType.Name}, which cocoon-net provides to every plugin; remove that registration and inject it instead");
        }

        // Public implementations the plugin did not register are still found, but never over what it did
        // register: Skip leaves a service type alone once anything is registered for it. Only classes that
        // implement the two contract interfaces are considered. (Scrutor's FromTypes(...) would register every
        // type it is given as itself, replacing the plugin's own registrations of public classes.)
        services.Scan(scan => scan
            .FromAssemblies(plugin.Assembly!)
            .AddClasses(classes => classes.AssignableTo<ICloudProvider>())
            .UsingRegistrationStrategy(RegistrationStrategy.Skip).As<ICloudProvider>().WithSingletonLifetime()
            .AddClasses(classes => classes.AssignableTo<IHostNetworkBackend>())
            .UsingRegistrationStrategy(RegistrationStrategy.Skip).As<IHostNetworkBackend>().WithSingletonLifetime());

        foreach (var (type, what) in new[] { (typeof(ICloudProvider), "cloud providers"), (typeof(IHostNetworkBackend), "host backends") })
        {
            if (services.Count(d => d.ServiceType == type) > 1)
            {
                throw new PluginConfigurationException($"plugin {plugin.Name} registers {services.Count(d => d.ServiceType == type)} {what}; a plugin serves one platform with at most one of each");
            }
        }

        try
        {
            return services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = validate, ValidateScopes = validate });
        }
        catch (AggregateException e)
        {
            throw new PluginConfigurationException($"plugin {plugin.Name} has registrations that cannot be built: {e.InnerExceptions[0].Message}", e);
        }
    }
}

/// <summary>A plugin's registrations break the contract's rules; the message names the plugin and the fix.</summary>
internal sealed class PluginConfigurationException(string message, Exception? inner = null) : Exception(message, inner);
