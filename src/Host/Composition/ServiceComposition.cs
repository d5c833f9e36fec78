using CocoonNet.Abstractions;
using CocoonNet.Host.Dhcp;
using CocoonNet.Host.Linux;
using CocoonNet.Host.Linux.Netlink;
using CocoonNet.Host.Logging;
using CocoonNet.Host.Operations;
using CocoonNet.Host.Pipeline;
using CocoonNet.Host.Pipeline.Steps;
using CocoonNet.Host.Plugins;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace CocoonNet.Host.Composition;

/// <summary>Builds the container: host services, the pipeline's steps in order, then each loaded plugin.</summary>
internal static class ServiceComposition
{
    public static ServiceProvider Build(RuntimeSettings settings, HostPaths paths, TextWriter stdout, TextWriter stderr)
    {
        var services = new ServiceCollection();
        var logs = new StderrLoggerProvider(settings.LogLevel, stderr);
        services.AddSingleton<ILoggerFactory>(new StderrLoggerFactory(logs));
        services.AddSingleton(typeof(ILogger<>), typeof(Logger<>));
        services.AddSingleton(settings);
        services.AddSingleton(paths);
        services.AddSingleton(new ConsoleOutput(stdout));
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton<IProcessRunner, ProcessRunner>();
        services.AddSingleton<NetlinkKernelNetwork>();
        services.AddSingleton<IKernelNetwork>(sp => sp.GetRequiredService<NetlinkKernelNetwork>());
        services.AddSingleton<IHostNetwork, HostNetwork>();
        services.AddSingleton<IHostFileSystem, HostFileSystem>();
        services.AddSingleton<ISysctl, ProcSysctl>();
        services.AddSingleton<IIptables, IptablesCommands>();
        services.AddSingleton<IDhcpService, ProcessDhcpService>();
        services.AddSingleton<IDhcpService, SystemdDhcpService>();
        services.AddSingleton<DhcpServices>();

        // Registration order is execution order.
        // First, so teardown (reverse order) removes directories after everything inside them.
        services.AddSingleton<IHostStep, DirectoryStep>();
        services.AddSingleton<IHostStep, BridgeStep>();
        services.AddSingleton<IHostStep, SysctlStep>();
        services.AddSingleton<IHostStep, RouteStep>();
        services.AddSingleton<IHostStep, IptablesStep>();
        services.AddSingleton<IHostStep, DnsmasqStep>();
        services.AddSingleton<IHostStep, CniConfigStep>();
        services.AddSingleton<HostPipeline>();

        var pluginLog = logs.CreateLogger("plugins");
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        var plugins = PluginCatalog.Discover(settings.PluginsDirectory, settings.AllowInsecurePlugins, pluginLog, settings.PluginHint);
        if (pluginLog.IsEnabled(LogLevel.Debug))
        {
            pluginLog.PluginsDiscovered(plugins.Count(p => p.IsLoaded), plugins.Count, System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        }

        services.AddSingleton<IReadOnlyList<DiscoveredPlugin>>(plugins);
        foreach (var plugin in plugins.Where(p => p.IsLoaded))
        {
            var first = services.Count;
            plugin.Instance!.ConfigureServices(services);
            // Public classes only (Scrutor's default either way): scanning the exported types instead of the
            // assembly spares loading every private and compiler-generated type of the plugin at start-up.
            services.Scan(scan => scan
                .FromTypes(plugin.Assembly!.GetExportedTypes())
                .AddClasses(classes => classes.AssignableTo<ICloudProvider>()).As<ICloudProvider>().WithSingletonLifetime()
                .AddClasses(classes => classes.AssignableTo<IHostNetworkBackend>()).As<IHostNetworkBackend>().WithSingletonLifetime());
            KeyByPlugin(services, first, plugin.Name);
        }

        services.AddSingleton<PlatformRegistry>();
        services.AddSingleton<NodeSetup>();
        services.AddSingleton<AdoptOperation>();
        services.AddSingleton<InitOperation>();
        services.AddSingleton<Status.HostStatusCollector>();
        services.AddSingleton<StatusOperation>();
        services.AddSingleton<TeardownOperation>();
        return services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = false, ValidateScopes = false });
    }

    /// <summary>
    /// Re-registers the providers and backends a plugin added (from index <paramref name="first"/> on) under
    /// the plugin's name, so a run builds only the plugin it needs: creating every cloud client of every
    /// plugin just to use one would cost each run start-up time.
    /// </summary>
    private static void KeyByPlugin(ServiceCollection services, int first, string plugin)
    {
        for (var i = first; i < services.Count; i++)
        {
            var d = services[i];
            if (d.IsKeyedService || (d.ServiceType != typeof(ICloudProvider) && d.ServiceType != typeof(IHostNetworkBackend)))
            {
                continue;
            }

            services[i] = d.ImplementationType is { } type ? new ServiceDescriptor(d.ServiceType, plugin, type, d.Lifetime)
                : d.ImplementationFactory is { } factory ? new ServiceDescriptor(d.ServiceType, plugin, (sp, _) => factory(sp), d.Lifetime)
                : new ServiceDescriptor(d.ServiceType, plugin, d.ImplementationInstance!);
        }
    }
}
