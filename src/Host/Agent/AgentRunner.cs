using CocoonNet.Host.AgentProcess;
using CocoonNet.Host.Plugins;
using System.Runtime.ExceptionServices;
using System.Runtime.InteropServices;
using CocoonNet.Host.Agent.Drift;
using CocoonNet.Host.Agent.Leases;
using CocoonNet.Host.Agent.Ports;
using CocoonNet.Host.Agent.PortSecurity;
using CocoonNet.Host.Agent.Telemetry;
using CocoonNet.Node.Dhcp;
using CocoonNet.Node.Linux;
using CocoonNet.Node.Pipeline;
using CocoonNet.Host.Operations;
using CocoonNet.Host.Settings;
using CocoonNet.Node.State;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Hosting.Systemd;
using Microsoft.Extensions.Logging;
using CocoonNet.Node.Engine;

namespace CocoonNet.Host.Agent;

/// <summary>
/// Runs <c>cocoon-net agent</c> on a generic host (Microsoft.Extensions.Hosting): its lifetime turns SIGTERM and
/// SIGINT into a stop that cancels the loop (exit 0, the node left as it is). The host's container is built over
/// the one-shot container's services, so the agent and the commands share one pipeline, one registry, one log.
/// </summary>
internal static class AgentRunner
{
    /// <summary>SIGTERM to exit: the loop stops at once (a reconcile in flight is cancelled between changes).</summary>
    public static readonly TimeSpan ShutdownTimeout = TimeSpan.FromSeconds(4);

    /// <param name="commands">The one-shot commands' services, which the agent shares.</param>
    /// <param name="options">The agent's flags.</param>
    /// <param name="inCluster">
    /// The in-cluster mode (<see cref="AgentOptions.Kubernetes"/> set), given by the caller: it lives above the agent,
    /// which it drives, and only that mode loads the Kubernetes client.
    /// </param>
    /// <param name="cancellationToken">Stops the agent.</param>
    public static async Task<int> RunAsync(
        IServiceProvider commands, AgentOptions options, Func<IServiceProvider, AgentOptions, CancellationToken, Task<int>> inCluster,
        CancellationToken cancellationToken)
    {
        try
        {
            return await ServeAsync(commands, options, inCluster, cancellationToken).ConfigureAwait(false);
        }
        catch (PoolStateInvalidException e)
        {
            // Only a person can fix the file: exit 2, like any bad input, which the unit does not restart
            // (RestartPreventExitStatus=2), instead of a loop that repeats the same line every few seconds.
            throw new ExitCodeException(ExitCodes.Usage, e.Message);
        }
    }

    private static async Task<int> ServeAsync(
        IServiceProvider commands, AgentOptions options, Func<IServiceProvider, AgentOptions, CancellationToken, Task<int>> inCluster,
        CancellationToken cancellationToken)
    {
        // SIGHUP never ends the agent: while a loop runs it asks for a full resync (AgentLoop); between two (the
        // in-cluster agent waiting for its annotations) there is nothing to resync.
        using var hangup = PosixSignalRegistration.Create(PosixSignal.SIGHUP, context => context.Cancel = true);
        if (options.Kubernetes is not null)
        {
            return await inCluster(commands, options, cancellationToken).ConfigureAwait(false);
        }

        // Without --mode there must be a node to serve: refused before the host starts (no READY, no record).
        if (options.Mode == AgentStartMode.Serve)
        {
            var state = InMemoryNode.Recorded(options.StateDirectory, commands.GetRequiredService<TimeProvider>())
                ?? throw AgentStart.NoState(options.StateDirectory);
            if (options.RepairCloud && state.Mode != PoolState.ModeInit)
            {
                throw new UsageException("--repair-cloud is for init nodes: this node was adopted, and its cloud side is never touched");
            }
        }

        using var singleton = Singleton(commands, options);
        using var host = Build(commands, options);
        // RunAsync disposes the host's container when it returns: what the loop left is taken first.
        var exit = host.Services.GetRequiredService<AgentExit>();
        await host.RunAsync(cancellationToken).ConfigureAwait(false);
        if (exit.Failure is { } failure)
        {
            ExceptionDispatchInfo.Throw(failure);
        }

        return ExitCodes.Success;
    }

    /// <summary>One agent per state directory: a second one is refused, naming the first.</summary>
    public static AgentSingleton Singleton(IServiceProvider commands, AgentOptions options) =>
        AgentSingleton.TryAcquire(commands.GetRequiredService<HostPaths>(), options.StateDirectory)
            ?? throw new UsageException(
                $"another cocoon-net agent{(new AgentRecordStore(commands.GetRequiredService<HostPaths>()).ReadLive() is { } running ? $" (pid {running.Pid})" : "")} "
                + "already serves this node; stop it first ('systemctl stop cocoon-net', or kill it)");

    /// <summary>The agent's host; <paramref name="extra"/> adds or replaces services (the in-cluster mode's telemetry).</summary>
    public static IHost Build(IServiceProvider commands, AgentOptions options, Action<IServiceCollection>? extra = null)
    {
        var builder = Microsoft.Extensions.Hosting.Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        var services = builder.Services;
        services.Configure<HostOptions>(o =>
        {
            o.ShutdownTimeout = ShutdownTimeout;
            o.BackgroundServiceExceptionBehavior = BackgroundServiceExceptionBehavior.StopHost;
        });
        services.Configure<ConsoleLifetimeOptions>(o => o.SuppressStatusMessages = true);

        // The commands' services the agent uses, shared one by one (the commands' container owns and disposes them).
        services.AddSingleton(commands.GetRequiredService<ILoggerFactory>());
        services.AddSingleton(commands.GetRequiredService<TimeProvider>());
        services.AddSingleton(commands.GetRequiredService<HostPaths>());
        services.AddSingleton(commands.GetRequiredService<RuntimeSettings>());
        services.AddSingleton(commands.GetRequiredService<PluginSettingsSource>());
        services.AddSingleton(commands.GetRequiredService<PlatformRegistry>());
        services.AddSingleton(commands.GetRequiredService<NodeEngine>());
        services.AddSingleton(commands.GetRequiredService<InitOperation>());
        services.AddSingleton(commands.GetRequiredService<AdoptOperation>());
        services.AddSingleton(commands.GetRequiredService<DhcpServices>());
        services.AddSingleton(commands.GetRequiredService<IProcessRunner>());

        services.AddSingleton(options);
        services.AddSingleton<NodeChanges>();
        services.AddSingleton<InMemoryNode>();
        services.AddSingleton<AgentStart>();
        services.AddSingleton<AgentCloudCheck>();
        services.AddSingleton<AgentRecordStore>();
        services.AddSingleton<AgentExit>();
        services.AddSingleton<AgentStatus>();
        services.AddSingleton<ReconcileQueue>();
        services.AddSingleton<ReconcileClock>();
        services.AddSingleton<AgentWatchdog>();

        // The triggers, each feeding the one queue.
        services.AddSingleton<ResyncTimer>();
        services.AddSingleton<PoolFileTrigger>();
        services.AddSingleton<KernelDriftTrigger>();
        services.AddSingleton<DhcpSupervision>();
        services.AddSingleton<CloudCheckTrigger>();
        services.AddSingleton<MemoryRelease>();
        services.AddSingleton<AgentTriggers>();

        services.AddSingleton<AgentHealth>();
        services.AddSingleton<IAgentHealth>(sp => sp.GetRequiredService<AgentHealth>());
        // NOTIFY_SOCKET is honoured whoever started the agent (systemd, or a test's socket).
        services.AddSingleton<ISystemdNotifier, SystemdNotifier>();

        // Repairs from kernel events; metrics and health on --listen, bound before the loop changes anything.
        services.AddSingleton<IDriftWatcher, NetlinkDriftWatcher>();
        services.AddSingleton(sp => new AgentTelemetry(
            options.Listen, sp.GetRequiredService<HostPaths>().DnsmasqLeaseFile, sp.GetRequiredService<IAgentHealth>(),
            sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILoggerFactory>()));
        services.AddSingleton<IAgentTelemetry>(sp => sp.GetRequiredService<AgentTelemetry>().Metrics);

        services.AddHostedService<EndpointsService>();
        // The lease control socket, bound before the loop reports ready, and the two lease backends behind it: leases.json's
        // mirror of dnsmasq, and the embedded DHCP server (each runs only while pool.json picks it).
        services.AddPortSecurity(commands);
        services.AddLeaseControl(options.StateDirectory);
        // VM ports on cni0 isolated (and put under the port-security listeners) within milliseconds of the kernel event.
        services.AddBridgePortWatch();
        services.AddHostedService<AgentLoop>();
        extra?.Invoke(services);
        return builder.Build();
    }
}
