using CocoonNet.Node.Linux;
using System.Net;
using CocoonNet.Host.Agent;
using CocoonNet.Host.Agent.Telemetry;
using CocoonNet.Host.Operations;
using CocoonNet.Node.State;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using CocoonNet.Node.Engine;

namespace CocoonNet.Host.Kubernetes;

/// <summary>
/// <c>cocoon-net agent --kubernetes</c>: decides the start from the Node (flags win over its annotations; a subnet
/// claimed from --cluster-vm-cidr when neither gives one), runs the agent host with it, and publishes the state on
/// the Node. A change of the configuring annotations stops that host (the loop stops between changes, so no
/// reconcile runs alongside) and starts it again with the new values; a new subnet first tears down the old one.
/// </summary>
internal sealed class KubernetesAgent(
    INodeApi api,
    IServiceProvider commands,
    AgentOptions options,
    TimeProvider time,
    ILogger logger)
{
    private static readonly TimeSpan FirstBackoff = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(30);

    /// <summary>How long the recorded node is served between two attempts of a failing decision, at least.</summary>
    private static readonly TimeSpan MinServe = TimeSpan.FromSeconds(5);

    /// <summary>The agent renews its lease's renewTime this often; the GC of orphan leases runs at about the same pace.</summary>
    public static readonly TimeSpan LeaseInterval = TimeSpan.FromMinutes(5);

    private readonly KubernetesOptions _k = options.Kubernetes!;
    private readonly Random _random = new();

    // The subnet the last decision claimed (and annotated), null when it claimed none.
    private IPNetwork? _claimed;

    // The configuring annotations of the last decision: messages quote them only as AnnotationText shows them.
    private IReadOnlyList<string> _annotated = [];

    public NodeStatusPublisher Publisher { get; } = new(api, options.Kubernetes!.NodeName, time, logger);

    public static async Task<int> RunAsync(IServiceProvider commands, AgentOptions options, CancellationToken cancellationToken)
    {
        var time = commands.GetRequiredService<TimeProvider>();
        var logger = commands.GetRequiredService<ILoggerFactory>().CreateLogger("cocoon-net");
        using var api = KubernetesNodeApi.Create(options.Kubernetes!.Kubeconfig, time, logger);
        using var singleton = AgentRunner.Singleton(commands, options);
        await new KubernetesAgent(api, commands, options, time, logger).RunAsync(cancellationToken).ConfigureAwait(false);
        return ExitCodes.Success;
    }

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var publishing = Publisher.RunAsync(stop.Token);
        var leases = LeasesAsync(stop.Token);
        var changes = new NodeChanges();
        var watching = WatchAsync(changes, stop.Token);
        try
        {
            ClusterNode? node = null;
            while (true)
            {
                AgentOptions? start;
                string? key = null;
                if (node is null)
                {
                    // No Node read yet (the API away at start): the node pool.json records is served meanwhile.
                    if (InMemoryNode.Recorded(options.StateDirectory, time) is null)
                    {
                        node = await WaitAsync(changes, null, stop.Token).ConfigureAwait(false);
                        continue;
                    }

                    start = options with { Mode = AgentStartMode.Serve, Request = null };
                }
                else
                {
                    Publisher.Node(node);
                    (start, var stopped) = await DecideRetryingAsync(node, stop.Token).ConfigureAwait(false);
                    if (stopped)
                    {
                        return; // SIGTERM / SIGINT while the recorded node was served between attempts
                    }
                    // The annotation a claim just set is this start's own, not a change to start again for.
                    key = AnnotatedConfig.From(_claimed is { } claimed ? With(node.Annotations, ClusterNames.Subnet, claimed.ToString()) : node.Annotations).Key;
                    if (start is null)
                    {
                        node = await WaitAsync(changes, key, stop.Token).ConfigureAwait(false);
                        continue;
                    }
                }

                // The host runs until the agent stops or the configuring annotations change (the first Node read, when
                // none was: key null).
                using var run = CancellationTokenSource.CreateLinkedTokenSource(stop.Token);
                var next = changes.NextAsync(key, run.Token);
                var serving = ServeAsync(start, run.Token);
                var first = await Task.WhenAny(next, serving).ConfigureAwait(false);
                await run.CancelAsync().ConfigureAwait(false);
                await serving.ConfigureAwait(false);
                stop.Token.ThrowIfCancellationRequested();
                if (first == serving && await serving.ConfigureAwait(false))
                {
                    return; // SIGTERM / SIGINT: the host's lifetime stopped it; the agent ends (the node left as it is)
                }

                if (first == serving)
                {
                    // The host ended on its own (bad input found by the start): reported, then wait for a change.
                    node = await WaitAsync(changes, key, stop.Token).ConfigureAwait(false);
                    continue;
                }

                var previous = node;
                node = await next.ConfigureAwait(false);
                if (previous is not null)
                {
                    if (logger.IsEnabled(LogLevel.Information))
                    {
                        logger.Reconfiguring(AnnotationText.In(AnnotatedConfig.From(node.Annotations).Key, Configuring(node.Annotations)));
                    }

                    Publisher.Note(new NodeEventNote("Reconfiguring", "cocoon-net: the node's configuration annotations changed; starting again with the new values", false));
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        finally
        {
            await stop.CancelAsync().ConfigureAwait(false);
            Publisher.Attach(null);
            await Task.WhenAll(Quiet(publishing), Quiet(leases), Quiet(watching)).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// The start's options, or null when the node cannot be started (the condition says why). Flags win; then the
    /// annotations; then a subnet claimed from --cluster-vm-cidr; then the node pool.json records.
    /// </summary>
    public async Task<AgentOptions?> DecideAsync(ClusterNode node, CancellationToken cancellationToken)
    {
        _claimed = null;
        _annotated = Configuring(node.Annotations);
        var annotated = AnnotatedConfig.From(node.Annotations);
        var recorded = InMemoryNode.Recorded(options.StateDirectory, time);
        if (annotated.Problem is { } problem)
        {
            return Refuse("InvalidAnnotation", problem, recorded);
        }

        var flags = _k.Flags;
        var subnet = flags.Subnet ?? annotated.Subnet;
        var source = flags.Subnet is not null ? "--subnet" : $"annotation {ClusterNames.Subnet}";
        // Checked against the live node before a lease is held or the old subnet torn down: a subnet holding the node's
        // own addresses is refused like a malformed one, and the node keeps serving the subnet it has.
        if (subnet is { } wanted && LiveRefusal(wanted, source, recorded) is { } refusal)
        {
            return Refuse("InvalidAnnotation", refusal, recorded);
        }

        if (subnet is { } given && _k.ClusterVmCidr is { } cluster && SubnetAllocator.Overlaps(cluster, given))
        {
            // A hand-set subnet inside the cluster range holds its Lease like a claimed one: no other node is given it,
            // and a node annotated with a subnet another node holds is refused, never configured.
            var holder = await new SubnetAllocator(api, _k.LeaseNamespace, time, logger).HoldAsync(node.Name, given, cancellationToken).ConfigureAwait(false);
            if (holder is not null)
            {
                return Refuse("SubnetConflict",
                    $"VM subnet {given} is held by node {holder} (lease {ClusterNames.LeaseName(given)} in namespace {_k.LeaseNamespace}): "
                    + $"annotate another subnet, or remove {ClusterNames.Subnet} to have one allocated", recorded);
            }
        }

        if (subnet is null && _k.ClusterVmCidr is { } range)
        {
            var allocator = new SubnetAllocator(api, _k.LeaseNamespace, time, logger);
            // The node's live addresses and next hops too: the Node lists only the addresses kubelet reports.
            var avoid = node.Addresses.Concat(LiveSubnet.Addresses(Kernel, recorded?.SecondaryNics)).ToList();
            var claimed = await allocator.ClaimAsync(node.Name, range, _k.NodeSubnetPrefix, avoid, cancellationToken).ConfigureAwait(false);
            await api.PatchAnnotationsAsync(node.Name, new Dictionary<string, string?> { [ClusterNames.Subnet] = claimed.ToString() }, cancellationToken)
                .ConfigureAwait(false);
            Publisher.Note(new NodeEventNote("SubnetAllocated", $"cocoon-net claimed VM subnet {claimed} (lease {ClusterNames.LeaseName(claimed)})", false));
            subnet = claimed;
            _claimed = claimed;
            source = "--cluster-vm-cidr claim";
            if (LiveRefusal(claimed, source, recorded) is { } refused)
            {
                return Refuse("InvalidAnnotation", refused, recorded);
            }
        }

        var modeName = _k.Mode ?? annotated.Mode;
        if (subnet is not { } vmSubnet)
        {
            if (recorded is not null && modeName is null)
            {
                Publisher.Override(null);
                return options with { Mode = AgentStartMode.Serve, Request = null };
            }

            return Refuse("NotConfigured",
                $"no VM subnet: annotate the node with {ClusterNames.Subnet} (and {ClusterNames.Mode}), or run the agent with --cluster-vm-cidr", null);
        }

        // Without a mode anywhere: what pool.json records, else adopt (host only: it never creates cloud resources).
        modeName ??= recorded?.Mode ?? PoolState.ModeAdopt;
        var mode = modeName == PoolState.ModeInit ? AgentStartMode.Init : AgentStartMode.Adopt;
        NodeRequest request;
        try
        {
            request = NodeRequestValidator.Validate(
                flags with { Subnet = vmSubnet, SubnetSource = source, PoolSize = flags.PoolSize ?? annotated.PoolSize, Platform = flags.Platform ?? annotated.Platform },
                mode == AgentStartMode.Init ? NodeRequestValidator.DefaultInitPoolSize : NodeRequestValidator.DefaultAdoptPoolSize);
        }
        catch (UsageException e)
        {
            return Refuse("InvalidAnnotation", $"{e.Message} (from the node's annotations and the agent's flags)", recorded);
        }

        if (recorded?.Subnet is { } old && old != vmSubnet.ToString())
        {
            // init/adopt plan from the recorded state; a node moving to another subnet is torn down first (host part;
            // the cloud side as teardown does it: released for init, never touched for adopt), then set up anew.
            logger.TearingDownForNewSubnet(old, vmSubnet.ToString());
            Publisher.Note(new NodeEventNote("SubnetChanged", $"cocoon-net: VM subnet changes from {old} to {subnet}; tearing down the old one first", true));
            var teardown = commands.GetRequiredService<TeardownOperation>();
            if (await teardown.RunAsync(options.StateDirectory, dryRun: false, cancellationToken).ConfigureAwait(false) != ExitCodes.Success)
            {
                return Refuse("ReconfigureFailed", $"tearing down VM subnet {old} before moving to {subnet} failed; see the agent's log", recorded);
            }
        }

        if (_k.ClusterVmCidr is not null)
        {
            // A node moved to another subnet (its annotation changed) lets go of the old one's lease, after the host
            // part is torn down: renewed with the rest, it would keep that subnet from every other node for good.
            await new LeaseKeeper(api, _k.LeaseNamespace, time, logger).ReleaseAsync(node.Name, cancellationToken, keep: ClusterNames.LeaseName(vmSubnet))
                .ConfigureAwait(false);
        }

        Publisher.Override(null);
        return options with { Mode = mode, Request = request };
    }

    /// <summary>
    /// The decision, its API calls (a lease, a subnet claim, the annotation) retried with backoff while they fail.
    /// Between attempts the node pool.json records is served (repairs, DHCP, probes), so an API that answers the Node
    /// but fails the rest (gone a moment later, a lease permission missing) never leaves the node unserved. No host
    /// runs during an attempt, so a subnet change's teardown never meets a running loop. <c>Stopped</c>: a signal
    /// ended the agent while it served.
    /// </summary>
    private async Task<(AgentOptions? Start, bool Stopped)> DecideRetryingAsync(ClusterNode node, CancellationToken cancellationToken)
    {
        var delay = FirstBackoff;
        while (true)
        {
            try
            {
                return (await DecideAsync(node, cancellationToken).ConfigureAwait(false), false);
            }
            catch (Exception e) when (!cancellationToken.IsCancellationRequested && e is not (UsageException or PoolStateInvalidException))
            {
                logger.ApiUnavailable(e.Message, Durations.Format(delay));
            }

            if (InMemoryNode.Recorded(options.StateDirectory, time) is null)
            {
                await Task.Delay(delay, time, cancellationToken).ConfigureAwait(false);
            }
            else
            {
                // At least MinServe, so the host is not started and stopped every second.
                using var until = new CancellationTokenSource(delay > MinServe ? delay : MinServe, time);
                using var serve = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, until.Token);
                if (await ServeAsync(options with { Mode = AgentStartMode.Serve, Request = null }, serve.Token).ConfigureAwait(false))
                {
                    return (null, true);
                }

                cancellationToken.ThrowIfCancellationRequested();
            }

            delay = Durations.Doubled(delay, MaxBackoff);
        }
    }

    private IKernelNetwork Kernel => commands.GetRequiredService<IKernelNetwork>();

    private string? LiveRefusal(IPNetwork subnet, string source, PoolState? recorded) =>
        LiveSubnet.Refusal(Kernel, subnet, source, recorded?.SecondaryNics);

    /// <summary>The node cannot start as configured: the condition and an Event say why; a node pool.json records keeps being served.</summary>
    private AgentOptions? Refuse(string reason, string message, PoolState? recorded)
    {
        message = AnnotationText.In(message, _annotated);
        logger.NotConfigured(message);
        Publisher.Override(new NodeStatusPublisher.Verdict(false, reason, message));
        Publisher.Note(new NodeEventNote(reason, message, true));
        return recorded is null ? null : options with { Mode = AgentStartMode.Serve, Request = null };
    }

    /// <summary>The agent host with this start, its telemetry also feeding the publisher; true when a signal stopped it.</summary>
    private async Task<bool> ServeAsync(AgentOptions start, CancellationToken cancellationToken)
    {
        using var host = AgentRunner.Build(commands, start, services =>
            services.AddSingleton<IAgentTelemetry>(sp => Publisher.Tee(sp.GetRequiredService<AgentTelemetry>().Metrics)));
        var exit = host.Services.GetRequiredService<AgentExit>();
        Publisher.Attach(host.Services.GetRequiredService<IAgentHealth>());
        try
        {
            await host.RunAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        finally
        {
            Publisher.Attach(null);
        }

        if (cancellationToken.IsCancellationRequested)
        {
            return false;
        }

        if (exit.Failure is UsageException bad)
        {
            // Bad input the start found (e.g. a pool size the subnet cannot hold): said on the Node; a change is awaited.
            Refuse("InvalidAnnotation", bad.Message, null);
            return false;
        }

        if (exit.Failure is { } failure)
        {
            // Anything else ends the agent as it does outside a cluster (the pod, or systemd, restarts it).
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(failure);
        }

        return true;
    }

    /// <summary>
    /// Waits for a configuration change with /healthz, /readyz and /metrics served meanwhile (not ready, the Node's
    /// reason), so a pod's liveness probe does not restart an agent that only waits for its annotation.
    /// </summary>
    private async Task<ClusterNode> WaitAsync(NodeChanges changes, string? key, CancellationToken cancellationToken)
    {
        var loggers = commands.GetService<ILoggerFactory>() ?? Microsoft.Extensions.Logging.Abstractions.NullLoggerFactory.Instance;
        var leaseFile = commands.GetService<HostPaths>()?.DnsmasqLeaseFile ?? "/nonexistent";
        using var telemetry = new AgentTelemetry(options.Listen, leaseFile, new WaitingHealth(Publisher), time, loggers);
        try
        {
            telemetry.Start();
        }
        catch (EndpointsException e)
        {
            throw new UsageException(e.Message);
        }

        using var serve = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var serving = telemetry.ServeAsync(serve.Token);
        try
        {
            return await changes.NextAsync(key, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            await serve.CancelAsync().ConfigureAwait(false);
            await Quiet(serving).ConfigureAwait(false);
        }
    }

    /// <summary>Not ready while no host runs: the reason is the one the Node's condition gives.</summary>
    private sealed class WaitingHealth(NodeStatusPublisher publisher) : IAgentHealth
    {
        public bool Ready => false;

        public string Reason => publisher.Desired() is { Ready: false } verdict ? $"{verdict.Reason}: {verdict.Message}" : "starting";
    }

    private static List<string> Configuring(IReadOnlyDictionary<string, string> annotations) =>
        ClusterNames.Configuration.Select(k => annotations.TryGetValue(k, out var v) ? v : null).OfType<string>().ToList();

    private static Dictionary<string, string> With(IReadOnlyDictionary<string, string> annotations, string key, string value) =>
        new(annotations, StringComparer.Ordinal) { [key] = value };

    private async Task WatchAsync(NodeChanges changes, CancellationToken cancellationToken)
    {
        await foreach (var node in api.WatchNodeAsync(_k.NodeName, cancellationToken).ConfigureAwait(false))
        {
            changes.Set(node);
        }
    }

    /// <summary>Renews this node's lease, and deletes leases whose node is gone (after the grace period), at a slow jittered pace.</summary>
    private async Task LeasesAsync(CancellationToken cancellationToken)
    {
        var keeper = new LeaseKeeper(api, _k.LeaseNamespace, time, logger);
        // Half the grace when it is short (tests), never more often than once a second.
        var interval = _k.LeaseGcGrace < LeaseInterval ? TimeSpan.FromTicks(Math.Max(TimeSpan.TicksPerSecond, _k.LeaseGcGrace.Ticks / 2)) : LeaseInterval;
        var delay = FirstBackoff;
        var wait = interval;
        while (true)
        {
            await Task.Delay(Durations.Jittered(wait, _random), time, cancellationToken).ConfigureAwait(false);
            try
            {
                await keeper.RenewAsync(_k.NodeName, cancellationToken).ConfigureAwait(false);
                await keeper.CollectAsync(_k.NodeName, _k.LeaseGcGrace, cancellationToken).ConfigureAwait(false);
                delay = FirstBackoff;
                wait = interval;
            }
            catch (Exception e) when (!cancellationToken.IsCancellationRequested)
            {
                // A renewal that failed is tried again soon (backoff), not a whole interval later.
                logger.ApiUnavailable(e.Message, Durations.Format(delay));
                wait = delay < interval ? delay : interval;
                delay = Durations.Doubled(delay, MaxBackoff);
            }
        }
    }

    private static async Task Quiet(Task task)
    {
        try
        {
            await task.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>The latest Node the watch saw; <see cref="NextAsync"/> waits for one whose configuration differs.</summary>
    private sealed class NodeChanges
    {
        private readonly Lock _gate = new();
        private ClusterNode? _latest;
        private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public void Set(ClusterNode node)
        {
            TaskCompletionSource changed;
            lock (_gate)
            {
                _latest = node;
                changed = _changed;
                _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
            }

            changed.TrySetResult();
        }

        /// <summary>The node once its configuration key is not <paramref name="key"/> (null: any node).</summary>
        public async Task<ClusterNode> NextAsync(string? key, CancellationToken cancellationToken)
        {
            while (true)
            {
                Task wait;
                lock (_gate)
                {
                    if (_latest is { } node && (key is null || AnnotatedConfig.From(node.Annotations).Key != key))
                    {
                        return node;
                    }

                    wait = _changed.Task;
                }

                await wait.WaitAsync(cancellationToken).ConfigureAwait(false);
            }
        }
    }
}
