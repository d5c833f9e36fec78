using CocoonNet.Abstractions;
using CocoonNet.Node.Dhcp;
using CocoonNet.Node.Linux;
using CocoonNet.Node.Linux.Netlink;
using CocoonNet.Host.Logging;
using CocoonNet.Host.Operations;
using CocoonNet.Node.Engine;
using CocoonNet.Node.Pipeline;
using CocoonNet.Node.Pipeline.Steps;
using CocoonNet.Host.Plugins;
using CocoonNet.Host.Settings;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace CocoonNet.Host.Composition;

/// <summary>Builds the container: host services, the pipeline's steps in order, then each loaded plugin.</summary>
internal static class ServiceComposition
{
    /// <summary>
    /// The host's container. <paramref name="discovery"/> holds the plugins this run loaded (never loaded twice);
    /// <paramref name="pluginSettings"/> their settings as the command line, the environment, config.json and
    /// pool.json give them: the snapshot every plugin's container is built from.
    /// </summary>
    public static ServiceProvider Build(
        RuntimeSettings settings,
        HostPaths paths,
        TextWriter stdout,
        TextWriter stderr,
        PluginDiscovery discovery,
        PluginSettingsSource pluginSettings)
    {
        var services = new ServiceCollection();
        var logs = new StderrLoggerProvider(settings.LogLevel, stderr);
        services.AddSingleton(logs);
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
        services.AddSingleton<INftables, NftCommands>();
        services.AddSingleton<IDhcpService, ProcessDhcpService>();
        services.AddSingleton<IDhcpService, SystemdDhcpService>();
        services.AddSingleton<DhcpServices>();

        // The host steps; the order they run in is HostStepId's, not this one.
        services.AddSingleton<IHostStep, DirectoryStep>();
        services.AddSingleton<IHostStep, BridgeStep>();
        services.AddSingleton<IHostStep, SysctlStep>();
        services.AddSingleton<IHostStep, RouteStep>();
        services.AddSingleton<IHostStep, IptablesStep>();
        services.AddSingleton<IHostStep, DnsmasqStep>();
        services.AddSingleton<IHostStep, CniConfigStep>();
        services.AddSingleton<IHostStep, LeaseFilesStep>();
        services.AddSingleton<IHostStep, PortSecurityStep>();
        services.AddSingleton<HostPipeline>();
        services.AddSingleton<IChangeSink, ConsoleChangeSink>();
        services.AddSingleton<NodeEngine>();

        var pluginLog = logs.CreateLogger("plugins");
        var plugins = discovery.Plugins;
        if (discovery.NotLoaded)
        {
            pluginLog.PluginsNotLoaded();
        }
        else
        {
            if (!Directory.Exists(settings.PluginsDirectory))
            {
                pluginLog.NoPluginsDirectory(settings.PluginsDirectory);
            }

            foreach (var skipped in plugins.Where(p => !p.IsLoaded))
            {
                pluginLog.PluginSkipped(skipped.Folder, skipped.Error!);
            }

            if (pluginLog.IsEnabled(LogLevel.Debug))
            {
                pluginLog.PluginsDiscovered(plugins.Count(p => p.IsLoaded), plugins.Count, discovery.Milliseconds);
            }
        }

        services.AddSingleton<IReadOnlyList<DiscoveredPlugin>>(plugins);
        services.AddSingleton(pluginSettings);
        // Each plugin gets its own container over host-owned services (PluginContainer), built on first use
        // with its settings as this run's snapshot resolves them.
        services.AddSingleton(sp => new PluginContainers(sp, plugin => pluginSettings.For(plugin)));
        services.AddSingleton<PlatformRegistry>();
        services.AddSingleton<AdoptOperation>();
        services.AddSingleton<InitOperation>();
        services.AddSingleton<Status.HostStatusCollector>();
        services.AddSingleton<StatusOperation>();
        services.AddSingleton<TeardownOperation>();
        return services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = false, ValidateScopes = false });
    }
}
