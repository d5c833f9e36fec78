using System.CommandLine;
using System.CommandLine.Help;
using System.Diagnostics;
using System.Net;
using System.Reflection;
using CocoonNet.Host.Agent;
using CocoonNet.Host.Agent.Telemetry;
using CocoonNet.Host.Kubernetes;
using CocoonNet.Host.Composition;
using CocoonNet.Node.Linux;
using CocoonNet.Host.Logging;
using CocoonNet.Host.Operations;
using CocoonNet.Node.Pipeline;
using CocoonNet.Host.Plugins;
using CocoonNet.Abstractions;
using CocoonNet.Host.Settings;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace CocoonNet.Host.Cli;

/// <summary>
/// The command line: parses, validates, builds the container and hands each command to its operation.
/// Exit codes: 0 success, 1 runtime failure, 2 bad input (nothing was changed); status adds 3 degraded, 4 no state.
/// </summary>
internal sealed class CliApplication(TextWriter stdout, TextWriter stderr)
{
    public const string ServiceManagerVariable = "COCOON_NET_SERVICE_MANAGER";

    /// <summary>Upstream's name of the long-running command: an alias of <c>agent</c>.</summary>
    public const string DaemonName = "daemon";

    private readonly CliOptions _o = new();
    private readonly AgentCliOptions _a = new();

    /// <summary>
    /// The plugins this run loaded: every one before the full parse when the command line needs their flags
    /// (or a command's help lists them), else only what the command uses (<see cref="PluginSelection"/>).
    /// </summary>
    private IReadOnlyList<DiscoveredPlugin> _plugins = [];
    private SettingsCatalog _catalog = SettingsCatalog.Empty;
    private double _discoveryMs;
    private PluginSelection? _loaded;

    /// <summary>Discovery failed as a whole (an unreadable plugins directory): reported by the command, as any failure.</summary>
    private Exception? _discoveryFailure;

    public static string Version => HostVersion.Current;

    public async Task<int> RunAsync(string[] args, CancellationToken cancellationToken)
    {
        if (HostVersion.IsVersionCommand(args))
        {
            await stdout.WriteLineAsync(HostVersion.Line).ConfigureAwait(false);
            return ExitCodes.Success;
        }

        var root = BuildCommands();
        var parse = root.Parse(args);
        // A plugin's flag is unknown until its plugin is loaded, so a command line that does not parse (and a
        // command's help, which lists the flags) loads every plugin and is parsed again: the same flags,
        // values and errors as when every plugin is loaded up front. Otherwise the command loads what it uses.
        if (DeclaredSetting.CommandOf(parse.CommandResult.Command.Name) != SettingCommands.None
            && (parse.Errors.Count > 0 || parse.Action is HelpAction or CommandExamples.HelpWithExamples)
            && DiscoverPlugins(parse, PluginSelection.All))
        {
            parse = root.Parse(args); // again, now with the plugins' flags
        }

        if (parse.Errors.Count > 0 && parse.Action is not (HelpAction or CommandExamples.HelpWithExamples))
        {
            // One line per failure: System.CommandLine reports one problem several ways.
            await stderr.WriteLineAsync($"Error: {ParseErrorMessage.For(parse)}").ConfigureAwait(false);
            return ExitCodes.Usage;
        }

        return await parse.InvokeAsync(new InvocationConfiguration { Output = stdout, Error = stderr }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Loads the <paramref name="selection"/> of the plugins directory <paramref name="first"/> names (instances
    /// only, nothing configured) and adds their settings' flags to the commands. True when a flag was added. A
    /// bad --plugins-dir is left for the command to report.
    /// </summary>
    private bool DiscoverPlugins(ParseResult first, PluginSelection selection)
    {
        _loaded = selection;
        if (!selection.Any)
        {
            return false;
        }

        string directory;
        bool allowInsecure;
        try
        {
            directory = PluginDirectory.Resolve(PluginsDirectoryFlag(first));
            allowInsecure = first.GetValue(_o.AllowInsecurePlugins);
        }
        catch (Exception e) when (e is UsageException or InvalidOperationException)
        {
            return false;
        }

        var started = Stopwatch.GetTimestamp();
        // Skipped plugins are logged once the log level is known (ServiceComposition).
        try
        {
            _plugins = selection.Only is { } name
                ? PluginCatalog.DiscoverNamed(directory, name, allowInsecure, NullLogger.Instance)
                : PluginCatalog.Discover(directory, allowInsecure, NullLogger.Instance);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            _discoveryFailure = e;
            return false;
        }

        var root = first.RootCommandResult.Command;
        _catalog = SettingsCatalog.Build(_plugins, HostOptionNames(root));
        _discoveryMs = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        var added = false;
        foreach (var command in root.Subcommands)
        {
            foreach (var flag in _catalog.FlagsFor(DeclaredSetting.CommandOf(command.Name)))
            {
                command.Options.Add(flag);
                added = true;
            }
        }

        return added;
    }

    /// <summary>Every name and alias of cocoon-net's own options, on any command: a plugin flag must not shadow one.</summary>
    private static HashSet<string> HostOptionNames(Command root)
    {
        var names = new HashSet<string>(StringComparer.Ordinal) { "--help", "-h", "-?", "--version" };
        foreach (var command in root.Subcommands.Prepend(root))
        {
            foreach (var option in command.Options)
            {
                names.Add(option.Name);
                names.UnionWith(option.Aliases);
            }
        }

        return names;
    }

    private RootCommand BuildCommands()
    {
        var root = new RootCommand("VPC-native networking setup for cocoon VM nodes")
        {
            _o.PluginsDir, _o.AllowInsecurePlugins, _o.ServiceManager, _o.Verbose, _o.Quiet,
        };
        CommandExamples.AddTo(root, (parse, output) => PluginHelp.Write(_catalog, parse.CommandResult.Command.Name, output));

        var init = new Command("init", "Provision cloud networking and configure this node")
        {
            _o.Platform, _o.NodeName, _o.Subnet, _o.PoolSize, _o.Gateway, _o.PrimaryNic, _o.Dns, _o.StateDir, _o.DryRun, _o.Dhcp, _o.LeaseTime,
            _o.VmIsolation, _o.AntiSpoofing, _o.DropInternalAccess, _o.DropCidr, _o.Mtu,
        };
        init.SetAction((parse, ct) => Run(parse, (sp, paths) =>
            sp.GetRequiredService<InitOperation>().RunAsync(NodeRequestFrom(parse, paths, NodeRequestValidator.DefaultInitPoolSize), ct)));

        var adopt = new Command("adopt", "Configure this node's host networking for cloud addresses provisioned by hand (no cloud API calls)")
        {
            _o.Platform, _o.NodeName, _o.Subnet, _o.PoolSize, _o.Gateway, _o.PrimaryNic, _o.Dns, _o.StateDir, _o.DryRun, _o.ManageIptables, _o.Dhcp, _o.LeaseTime,
            _o.VmIsolation, _o.AntiSpoofing, _o.DropInternalAccess, _o.DropCidr, _o.Mtu,
        };
        adopt.SetAction((parse, ct) => Run(parse, (sp, paths) =>
            sp.GetRequiredService<AdoptOperation>().RunAsync(NodeRequestFrom(parse, paths, NodeRequestValidator.DefaultAdoptPoolSize), ct)));

        var status = new Command("status", "Show the node's pool state and live status; exit 0 healthy, 3 degraded, 4 no state") { _o.StateDir, _o.Output };
        status.SetAction((parse, ct) => Run(parse, (sp, paths) =>
            sp.GetRequiredService<StatusOperation>().RunAsync(StateDirectory(parse, paths), Format(parse), ct)));

        var teardown = new Command("teardown", "Remove what cocoon-net created: cloud resources (init nodes), host configuration, state")
        {
            _o.StateDir, _o.DryRun, _a.Kubernetes, _a.Kubeconfig, _a.LeaseNamespace, _a.NodeName,
        };
        teardown.SetAction((parse, ct) => Run(parse, async (sp, paths) =>
        {
            // --kubernetes (explicit here: a teardown is never implied): this node's subnet lease goes too.
            var kubernetes = TeardownKubernetesFrom(parse);
            var exit = await sp.GetRequiredService<TeardownOperation>().RunAsync(StateDirectory(parse, paths), parse.GetValue(_o.DryRun), ct).ConfigureAwait(false);
            return exit != ExitCodes.Success || kubernetes is not { } k
                ? exit
                : await KubernetesTeardown.RunAsync(sp, k.Node, k.Kubeconfig, k.Namespace, parse.GetValue(_o.DryRun), ct).ConfigureAwait(false);
        }));

        var plugins = new Command("plugins", "List discovered plugins: name, version, contract, platform, load status; with --verbose, their settings") { _o.Output };
        plugins.SetAction((parse, ct) => Run(parse, (sp, paths) =>
        {
            var found = sp.GetRequiredService<IReadOnlyList<DiscoveredPlugin>>();
            var directory = sp.GetRequiredService<RuntimeSettings>().PluginsDirectory;
            var settings = sp.GetRequiredService<PluginSettingsSource>();
            var report = new PluginsReport(found, directory, settings);
            switch (Format(parse))
            {
                case OutputFormat.Json: report.PrintJson(stdout); break;
                case OutputFormat.Yaml: report.PrintYaml(stdout); break;
                default: report.Print(stdout, verbose: parse.GetValue(_o.Verbose)); break;
            }

            return Task.FromResult(ExitCodes.Success);
        }));

        root.Subcommands.Add(init);
        root.Subcommands.Add(adopt);
        root.Subcommands.Add(status);
        root.Subcommands.Add(teardown);
        var shell = new Argument<string>("shell") { Description = "bash, zsh or fish" };
        var completion = new Command("completion", "Print a shell completion script (bash, zsh or fish)") { shell };
        completion.SetAction(parse =>
        {
            var name = parse.GetValue(shell) ?? "";
            if (!CompletionScripts.Shells.Contains(name))
            {
                stderr.WriteLine($"Error: completion {OptionValues.Show(name)}: use bash, zsh or fish");
                return ExitCodes.Usage;
            }

            stdout.Write(CompletionScripts.For(name, root));
            return ExitCodes.Success;
        });

        root.Subcommands.Add(plugins);
        root.Subcommands.Add(AgentCommand());
        root.Subcommands.Add(completion);
        return root;
    }

    private async Task<int> Run(ParseResult parse, Func<IServiceProvider, HostPaths, Task<int>> operation)
    {
        var level = LogLevel.Information;
        try
        {
            var command = parse.CommandResult.Command.Name;
            if (command is "init" or "adopt" or "teardown" or "agent" && !Environment.IsPrivilegedProcess)
            {
                throw new UsageException("cocoon-net must run as root (it changes the host network)");
            }

            level = LogLevelOf(parse);
            var paths = HostPaths.FromEnvironment();
            var node = NodeOf(parse, command, paths);
            if (_loaded is null)
            {
                DiscoverPlugins(parse, PluginSelection.For(command, node, InCluster(parse, command)));
            }

            if (_discoveryFailure is not null)
            {
                System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(_discoveryFailure);
            }

            var mode = ServiceMode(parse.GetValue(_o.ServiceManager), paths, changesHost: command is "init" or "adopt" or "agent");
            var settings = new RuntimeSettings(
                PluginDirectory.Resolve(PluginsDirectoryFlag(parse)),
                parse.GetValue(_o.AllowInsecurePlugins),
                mode,
                level);
            // Flags, variables and config.json, type-checked before anything is read or changed; then what
            // pool.json records: the snapshot every plugin container is built from.
            var pluginSettings = RecordedLayer(
                command,
                node,
                PluginSettingsSource.Read(
                    _catalog,
                    parse,
                    DeclaredSetting.CommandOf(command),
                    Environment.GetEnvironmentVariable,
                    paths.ConfigFile,
                    _plugins.Where(p => p.IsLoaded).Select(p => p.Name).ToHashSet(StringComparer.Ordinal)));
            var started = Stopwatch.GetTimestamp();
            var discovery = _loaded is { Any: true } ? new PluginDiscovery(_plugins, _discoveryMs) : PluginDiscovery.None;
            await using var services = ServiceComposition.Build(settings, paths, stdout, stderr, discovery, pluginSettings);
            var log = services.GetRequiredService<ILoggerFactory>().CreateLogger("cocoon-net");
            if (log.IsEnabled(LogLevel.Debug))
            {
                log.Composed(Stopwatch.GetElapsedTime(started).TotalMilliseconds, SinceProcessStart());
            }

            var exit = await operation(services, paths).ConfigureAwait(false);
            if (log.IsEnabled(LogLevel.Debug))
            {
                log.Finished(Stopwatch.GetElapsedTime(started).TotalMilliseconds, SinceProcessStart());
            }

            return exit;
        }
        catch (ExitCodeException e)
        {
            await stderr.WriteLineAsync($"Error: {e.Message}").ConfigureAwait(false);
            return e.ExitCode;
        }
        catch (UsageException e)
        {
            await stderr.WriteLineAsync($"Error: {e.Message}").ConfigureAwait(false);
            return ExitCodes.Usage;
        }
        catch (OperationCanceledException)
        {
            await stderr.WriteLineAsync("Error: interrupted").ConfigureAwait(false);
            return ExitCodes.Failure;
        }
        catch (Exception e)
        {
            if (level <= LogLevel.Debug)
            {
                await stderr.WriteLineAsync($"failure details: {e}").ConfigureAwait(false);
            }

            var hint = e is UnauthorizedAccessException && !Environment.IsPrivilegedProcess ? "; run it as root (sudo)" : "";
            await stderr.WriteLineAsync($"Error: {OneLine(e.Message)}{hint}").ConfigureAwait(false);
            return ExitCodes.Failure;
        }
    }

    /// <summary>
    /// pool.json of the state directory the command works on, read before composition: it decides which plugin
    /// loads and adds the recorded settings layer. Commands that never read pool.json get <see cref="NodeOnRecord.Unknown"/>.
    /// </summary>
    private NodeOnRecord NodeOf(ParseResult parse, string command, HostPaths paths)
    {
        if (command is not ("init" or "adopt" or "status" or "teardown" or "agent" or "plugins"))
        {
            return NodeOnRecord.Unknown;
        }

        try
        {
            // plugins shows the values a re-run would use, so the node of the default state directory.
            return NodeOnRecord.Read(command == "plugins" ? paths.DefaultStateDirectory : StateDirectory(parse, paths));
        }
        catch (UsageException)
        {
            return NodeOnRecord.Unknown; // a bad --state-dir: the command reports it
        }
    }

    /// <summary>
    /// The recorded layer of the snapshot: the settings pool.json records, for the commands that use them. status
    /// and teardown take any state; init, adopt and the agent only a provisioned node's (a failed first init
    /// recorded nothing to keep). The plugins report shows values without the layer when it does not fit.
    /// </summary>
    private static PluginSettingsSource RecordedLayer(string command, NodeOnRecord node, PluginSettingsSource given)
    {
        var state = command is "status" or "teardown" ? node.State : node.Provisioned;
        if (state is null)
        {
            return given;
        }

        try
        {
            return given.WithRecorded(state, node.Path);
        }
        catch (UsageException) when (command == "plugins")
        {
            return given;
        }
    }

    /// <summary>The agent's in-cluster mode, decided as <see cref="KubernetesFrom"/> decides it.</summary>
    private bool InCluster(ParseResult parse, string command) =>
        command == "agent" && (parse.GetResult(_a.Kubernetes) is null
            ? !string.IsNullOrEmpty(Environment.GetEnvironmentVariable(KubernetesOptions.ServiceHostVariable))
            : parse.GetValue(_a.Kubernetes));

    /// <summary>
    /// <c>cocoon-net agent</c>: the long-running command. Its host (Microsoft.Extensions.Hosting) is built only here,
    /// so the one-shot commands never load it. Plugin settings come from the environment, config.json and pool.json.
    /// </summary>
    private Command AgentCommand()
    {
        var agent = new Command("agent", "Keep this node configured: serve the node in pool.json (or first init/adopt it with --mode), repair drift, "
            + "supervise DHCP; 'daemon' is upstream's name for it")
        {
            _a.Mode, _o.Platform, _a.NodeName, _a.Subnet, _o.PoolSize, _o.Gateway, _o.PrimaryNic, _o.Dns, _o.StateDir, _o.ManageIptables, _o.Dhcp, _o.LeaseTime,
            _o.VmIsolation, _o.AntiSpoofing, _o.DropInternalAccess, _o.DropCidr, _o.Mtu,
            _a.Resync, _a.CloudCheck, _a.RepairCloud, _a.Listen, _a.SkipIptables, _a.LeaseFile, _a.ControlSocket,
            _a.Kubernetes, _a.Kubeconfig, _a.ClusterVmCidr, _a.NodeSubnetPrefix, _a.LeaseNamespace, _a.LeaseGcGrace,
        };
        // One command under both names (not a copy): upstream's units run `cocoon-net daemon`.
        agent.Aliases.Add(DaemonName);
        agent.SetAction((parse, ct) => Run(parse, (sp, paths) => AgentRunner.RunAsync(sp, AgentOptionsFrom(parse, paths), KubernetesAgent.RunAsync, ct)));
        return agent;
    }

    /// <summary>The agent's flags, checked together: node flags only with --mode, which needs --node-name and --subnet.</summary>
    private AgentOptions AgentOptionsFrom(ParseResult parse, HostPaths paths)
    {
        var mode = parse.GetValue(_a.Mode) switch
        {
            "init" => AgentStartMode.Init,
            "adopt" => AgentStartMode.Adopt,
            _ => AgentStartMode.Serve,
        };
        var stateDirectory = StateDirectory(parse, paths);
        NodeRequest? request = null;
        var kubernetes = KubernetesFrom(parse, stateDirectory);
        if (kubernetes is not null)
        {
            // In-cluster: the node flags (each wins over its annotation) are checked when the start is decided.
            mode = AgentStartMode.Serve;
        }
        else if (mode == AgentStartMode.Serve)
        {
            Option[] nodeFlags = [_o.Platform, _a.NodeName, _a.Subnet, _o.PoolSize, _o.Gateway, _o.PrimaryNic, _o.Dns, _o.ManageIptables, _o.Dhcp, _o.LeaseTime,
                _o.VmIsolation, _o.AntiSpoofing, _o.DropInternalAccess, _o.DropCidr, _o.Mtu];
            if (nodeFlags.FirstOrDefault(f => parse.GetResult(f) is not null) is { } given)
            {
                throw new UsageException($"{given.Name} needs --mode init or --mode adopt (without --mode the agent serves the node recorded in pool.json)");
            }
        }
        else
        {
            if (mode == AgentStartMode.Init && parse.GetResult(_o.ManageIptables) is not null)
            {
                throw new UsageException("--manage-iptables is for --mode adopt (init always manages the rules)");
            }

            request = NodeRequestFrom(
                parse, _a.NodeName, _a.Subnet, stateDirectory, dryRun: false,
                mode == AgentStartMode.Init ? NodeRequestValidator.DefaultInitPoolSize : NodeRequestValidator.DefaultAdoptPoolSize);
        }

        if (parse.GetValue(_a.RepairCloud) && (mode == AgentStartMode.Adopt || kubernetes?.Mode == "adopt"))
        {
            throw new UsageException("--repair-cloud is for init nodes: an adopted node's cloud side is never touched");
        }

        var skipIptables = SkipIptables(parse, mode, kubernetes);
        UpstreamPaths.Check(parse.GetResult(_a.LeaseFile) is null ? null : parse.GetValue(_a.LeaseFile) ?? "",
            parse.GetResult(_a.ControlSocket) is null ? null : parse.GetValue(_a.ControlSocket) ?? "",
            stateDirectory, paths);

        return new AgentOptions(
            mode,
            request,
            stateDirectory,
            parse.GetValue(_a.Resync) ?? AgentOptions.DefaultResync,
            parse.GetValue(_a.CloudCheck) ?? AgentOptions.DefaultCloudCheck,
            parse.GetValue(_a.RepairCloud),
            Listen(parse))
        {
            SkipIptables = skipIptables,
            ServiceManagerGiven = parse.GetResult(_o.ServiceManager) is not null
                || !string.IsNullOrWhiteSpace(Environment.GetEnvironmentVariable(ServiceManagerVariable)),
            Kubernetes = kubernetes,
        };
    }

    /// <summary>The agent's name on this command line: <see cref="DaemonName"/> gives upstream's defaults.</summary>
    private static bool AsDaemon(ParseResult parse) => parse.CommandResult.IdentifierToken?.Value == DaemonName;

    /// <summary>
    /// --listen (or --metrics-addr), else COCOON_NET_METRICS_ADDR (empty counts as unset, as for upstream), else the
    /// default of the name used: upstream's every-address :9092 as daemon, this host only as agent.
    /// </summary>
    private ListenAddress Listen(ParseResult parse)
    {
        if (parse.GetValue(_a.Listen) is { } given)
        {
            return given;
        }

        var variable = Environment.GetEnvironmentVariable(AgentCliOptions.MetricsAddrVariable);
        if (!string.IsNullOrWhiteSpace(variable))
        {
            return ListenAddress.TryParse(variable, out var address, out var problem, AgentCliOptions.MetricsAddrVariable)
                ? address
                : throw new UsageException(problem);
        }

        return AsDaemon(parse) ? AgentOptions.UpstreamListen : AgentOptions.DefaultListen;
    }

    /// <summary>
    /// --skip-iptables: the agent's reconciles leave iptables alone. Only for serving the node in pool.json: --mode
    /// runs init or adopt (init writes the rules; adopt has --manage-iptables), as does --repair-cloud's init.
    /// </summary>
    private bool SkipIptables(ParseResult parse, AgentStartMode mode, KubernetesOptions? kubernetes)
    {
        if (!parse.GetValue(_a.SkipIptables))
        {
            return false;
        }

        if (mode != AgentStartMode.Serve || parse.GetResult(_a.Mode) is not null)
        {
            throw new UsageException("--skip-iptables is for serving the node in pool.json: leave out --mode (adopt without --manage-iptables never writes rules)");
        }

        if (kubernetes is not null)
        {
            throw new UsageException("--skip-iptables is not for the in-cluster mode: adopt the node without --manage-iptables instead");
        }

        return parse.GetValue(_a.RepairCloud)
            ? throw new UsageException("--skip-iptables contradicts --repair-cloud, whose init writes the rules; give one")
            : true;
    }

    /// <summary>
    /// The in-cluster flags: on with --kubernetes, or when KUBERNETES_SERVICE_HOST is set and --kubernetes=false is
    /// not given. Plain values only: the Kubernetes client is loaded when the mode runs, not here.
    /// </summary>
    private KubernetesOptions? KubernetesFrom(ParseResult parse, string stateDirectory)
    {
        var on = parse.GetResult(_a.Kubernetes) is null
            ? !string.IsNullOrEmpty(Environment.GetEnvironmentVariable(KubernetesOptions.ServiceHostVariable))
            : parse.GetValue(_a.Kubernetes);
        if (!on)
        {
            Option[] inCluster = [_a.Kubeconfig, _a.ClusterVmCidr, _a.NodeSubnetPrefix, _a.LeaseNamespace, _a.LeaseGcGrace];
            if (inCluster.FirstOrDefault(f => parse.GetResult(f) is not null) is { } given)
            {
                throw new UsageException($"{given.Name} needs --kubernetes (the agent's in-cluster mode)");
            }

            return null;
        }

        var nodeName = KubernetesOptions.CheckNodeName(parse.GetValue(_a.NodeName), Environment.GetEnvironmentVariable("NODE_NAME"));
        var range = parse.GetValue(_a.ClusterVmCidr);
        var prefix = parse.GetValue(_a.NodeSubnetPrefix) ?? KubernetesOptions.DefaultNodeSubnetPrefix;
        KubernetesOptions.CheckAllocation(range, prefix);
        var kubeconfig = parse.GetValue(_a.Kubeconfig);
        if (parse.GetResult(_a.Kubeconfig) is not null && string.IsNullOrWhiteSpace(kubeconfig))
        {
            throw new UsageException("--kubeconfig is empty: give a kubeconfig file, or leave the flag out (KUBECONFIG, else the pod's service account)");
        }

        var mode = parse.GetValue(_a.Mode);
        if (mode == "init" && parse.GetResult(_o.ManageIptables) is not null)
        {
            throw new UsageException("--manage-iptables is for --mode adopt (init always manages the rules)");
        }

        // A full set of node flags is checked now, as the start will: bad flags are exit 2 before anything runs.
        var flags = new NodeInput(
            parse.GetValue(_o.Platform), nodeName, parse.GetValue(_a.Subnet), parse.GetValue(_o.PoolSize), parse.GetValue(_o.Gateway),
            parse.GetValue(_o.PrimaryNic), parse.GetValue(_o.Dns) ?? CliOptions.DefaultDns, stateDirectory, false, parse.GetValue(_o.ManageIptables))
        {
            Dhcp = Dhcp(parse),
            LeaseSeconds = parse.GetValue(_o.LeaseTime),
            Isolation = Isolation(parse),
        };
        if (flags.Subnet is not null)
        {
            NodeRequestValidator.Validate(flags, NodeRequestValidator.DefaultAdoptPoolSize);
        }

        return new KubernetesOptions(
            nodeName,
            kubeconfig,
            range,
            prefix,
            LeaseNamespace(parse),
            parse.GetValue(_a.LeaseGcGrace) ?? KubernetesOptions.DefaultLeaseGcGrace,
            mode,
            flags);
    }

    /// <summary>teardown's in-cluster flags: checked before the node's teardown changes anything.</summary>
    private (string Node, string? Kubeconfig, string Namespace)? TeardownKubernetesFrom(ParseResult parse)
    {
        if (!parse.GetValue(_a.Kubernetes))
        {
            Option[] inCluster = [_a.Kubeconfig, _a.LeaseNamespace, _a.NodeName];
            return inCluster.FirstOrDefault(f => parse.GetResult(f) is not null) is { } given
                ? throw new UsageException($"{given.Name} needs --kubernetes (release this node's subnet lease)")
                : null;
        }

        var node = KubernetesOptions.CheckNodeName(parse.GetValue(_a.NodeName), Environment.GetEnvironmentVariable("NODE_NAME"));
        var leaseNamespace = LeaseNamespace(parse);

        var kubeconfig = parse.GetValue(_a.Kubeconfig);
        if (!string.IsNullOrWhiteSpace(kubeconfig) && !File.Exists(kubeconfig))
        {
            throw new UsageException($"kubeconfig {kubeconfig} does not exist: give --kubeconfig PATH, or run in a pod (in-cluster config)");
        }

        return (node, string.IsNullOrWhiteSpace(kubeconfig) ? null : kubeconfig, leaseNamespace);
    }

    /// <summary>Where the subnet leases live: --lease-namespace, else the pod's namespace (POD_NAMESPACE), else cocoon-net.</summary>
    private string LeaseNamespace(ParseResult parse)
    {
        var given = parse.GetValue(_a.LeaseNamespace)?.Trim();
        if (parse.GetResult(_a.LeaseNamespace) is not null && string.IsNullOrEmpty(given))
        {
            throw new UsageException("--lease-namespace is empty: give a namespace such as cocoon-net");
        }

        return given ?? NullIfBlank(Environment.GetEnvironmentVariable("POD_NAMESPACE")) ?? KubernetesOptions.DefaultNamespace;
    }

    private static string? NullIfBlank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();

    /// <summary>--plugins-dir as given; an empty value is refused, not taken for the default: it hides a mistake.</summary>
    private string? PluginsDirectoryFlag(ParseResult parse)
    {
        if (parse.GetResult(_o.PluginsDir) is null)
        {
            return null;
        }

        var value = parse.GetValue(_o.PluginsDir);
        return string.IsNullOrWhiteSpace(value)
            ? throw new UsageException("--plugins-dir is empty: give a directory such as /usr/lib/cocoon-net/plugins, or leave the flag out for the default")
            : value.Any(char.IsControl)
                ? throw new UsageException("--plugins-dir contains a control character (NUL, newline, ...); give a plain directory")
                : value;
    }

    /// <summary>-v / -q win over COCOON_NET_LOG_LEVEL; both at once is a contradiction.</summary>
    private LogLevel LogLevelOf(ParseResult parse)
    {
        var (verbose, quiet) = (parse.GetValue(_o.Verbose), parse.GetValue(_o.Quiet));
        if (verbose && quiet)
        {
            throw new UsageException("--verbose and --quiet contradict each other; give one");
        }

        if (verbose || quiet)
        {
            return verbose ? LogLevel.Debug : LogLevel.Error;
        }

        var variable = Environment.GetEnvironmentVariable(StderrLoggerProvider.Variable);
        return StderrLoggerProvider.ParseLevel(variable)
            ?? throw new UsageException($"{StderrLoggerProvider.Variable}={OptionValues.Show(variable ?? "")}: use debug, info, warn or error");
    }

    /// <summary>A multi-line message (a tool's stderr, say) folded into the single Error: line.</summary>
    private static string OneLine(string message) =>
        string.Join("; ", message.Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries));

    private static double SinceProcessStart() => (DateTime.Now - Process.GetCurrentProcess().StartTime).TotalMilliseconds;

    private NodeRequest NodeRequestFrom(ParseResult parse, HostPaths paths, int defaultPoolSize) =>
        NodeRequestFrom(parse, _o.NodeName, _o.Subnet, StateDirectory(parse, paths), parse.GetValue(_o.DryRun), defaultPoolSize);

    /// <summary>The node flags as a validated request; the agent has its own --node-name and --subnet (needed only with --mode).</summary>
    private NodeRequest NodeRequestFrom(
        ParseResult parse, Option<string?> nodeName, Option<IPNetwork?> subnet, string stateDirectory, bool dryRun, int defaultPoolSize) =>
        NodeRequestValidator.Validate(
            new NodeInput(
                parse.GetValue(_o.Platform),
                parse.GetValue(nodeName),
                parse.GetValue(subnet),
                parse.GetValue(_o.PoolSize),
                parse.GetValue(_o.Gateway),
                parse.GetValue(_o.PrimaryNic),
                parse.GetValue(_o.Dns) ?? CliOptions.DefaultDns,
                stateDirectory,
                dryRun,
                parse.GetValue(_o.ManageIptables))
            {
                Dhcp = Dhcp(parse),
                LeaseSeconds = parse.GetValue(_o.LeaseTime),
                Isolation = Isolation(parse),
            },
            defaultPoolSize);

    /// <summary>--dhcp, one of CliOptions.Choices (the parser refused anything else); null when not given.</summary>
    private Node.Leases.DhcpBackend? Dhcp(ParseResult parse) =>
        parse.GetValue(_o.Dhcp) is { } name && Node.Leases.DhcpBackends.TryParse(name, out var backend) ? backend : null;

    /// <summary>The isolation flags as given; each null when not given (a re-run keeps what pool.json records).</summary>
    private IsolationInput Isolation(ParseResult parse) => new(
        parse.GetValue(_o.VmIsolation),
        parse.GetValue(_o.AntiSpoofing),
        parse.GetValue(_o.DropInternalAccess),
        parse.GetValue(_o.DropCidr),
        parse.GetValue(_o.Mtu));

    /// <summary>--output, one of CliOptions.Choices (the parser refused anything else).</summary>
    private OutputFormat Format(ParseResult parse) => parse.GetValue(_o.Output) switch
    {
        "json" => OutputFormat.Json,
        "yaml" => OutputFormat.Yaml,
        _ => OutputFormat.Text,
    };

    private string StateDirectory(ParseResult parse, HostPaths paths) =>
        parse.GetResult(_o.StateDir) is null ? paths.DefaultStateDirectory : StateDirectoryValidator.Validate(parse.GetValue(_o.StateDir));

    private static DhcpServiceMode ServiceMode(string? flag, HostPaths paths, bool changesHost)
    {
        var value = flag ?? Environment.GetEnvironmentVariable(ServiceManagerVariable) ?? "auto";
        var systemdRunning = Directory.Exists(paths.SystemdRuntimeDirectory);
        return value.Trim().ToLowerInvariant() switch
        {
            "systemd" when changesHost && !systemdRunning => throw new UsageException(
                $"{(flag is null ? $"{ServiceManagerVariable}=systemd" : "--service-manager systemd")}: systemd is not running on this host; use --service-manager process"),
            "systemd" => DhcpServiceMode.Systemd,
            "process" => DhcpServiceMode.Process,
            "auto" or "" => systemdRunning ? DhcpServiceMode.Systemd : DhcpServiceMode.Process,
            _ => throw new UsageException($"{(flag is null ? $"{ServiceManagerVariable}=" : "--service-manager ")}{OptionValues.Show(value)}: use auto, systemd or process"),
        };
    }
}
