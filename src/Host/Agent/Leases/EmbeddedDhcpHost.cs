using CocoonNet.Host.Agent.Telemetry;
using CocoonNet.Node.Dhcp.Embedded;
using CocoonNet.Node.Engine;
using CocoonNet.Node.Leases;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace CocoonNet.Host.Agent.Leases;

/// <summary>
/// Runs the embedded DHCP server while the node the agent serves says <c>dhcp: embedded</c>, and only then: started once
/// the agent's first full read (the start) applied the host (so cni0 and the routes step exist, and a dnsmasq of the
/// other backend was stopped), given each new pool (<see cref="DhcpServerCore.ReconfigureAsync"/>), stopped when the
/// node switches to dnsmasq or goes away. It is also the embedded backend's face to the control socket
/// (<see cref="ILeaseService"/>) and to <c>/metrics</c> (<see cref="IDhcpLeaseStats"/>). A server that fails (it
/// should not: one bad packet never ends it) is started again after 1 s, 2 s, ... 30 s; the agent goes on serving the
/// rest of the node meanwhile.
/// </summary>
internal sealed class EmbeddedDhcpHost(
    NodeChanges changes,
    AgentOptions options,
    AgentStatus status,
    TimeProvider time,
    ILoggerFactory loggers,
    ILeaseAdmission admission) : BackgroundService, ILeaseService, IDhcpLeaseStats
{
    private readonly ILogger _logger = loggers.CreateLogger<EmbeddedDhcpHost>();
    private volatile EmbeddedDhcp? _server;

    public long Ok => _server?.Core.LeasesOk ?? 0;

    public long Failed => _server?.Core.LeasesFailed ?? 0;

    public int Active => _server?.Core.Active ?? 0;

    public int Available => _server?.Core.Available ?? 0;

    public Task<IReadOnlyList<Lease>> ListAsync(CancellationToken cancellationToken) =>
        Task.FromResult(Running().Core.Leases());

    public async Task ReleaseAsync(string canonicalMac, CancellationToken cancellationToken) =>
        await Running().Core.ReleaseAsync(canonicalMac, cancellationToken).ConfigureAwait(false);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        NodeTarget? seen = null;
        var delay = AgentLoop.FirstBackoff;
        while (!stoppingToken.IsCancellationRequested)
        {
            seen = await changes.NextAsync(seen, stoppingToken).ConfigureAwait(false);
            if (seen is not { State.DhcpBackend: DhcpBackend.Embedded } target)
            {
                continue;
            }

            // Serves this node until the node is no longer an embedded one; a new pool of the same node reconfigures it.
            status.EmbeddedDhcp("the embedded DHCP server is starting");
            using var server = new EmbeddedDhcp(target, options.StateDirectory, time, loggers, status.EmbeddedDhcp, admission: admission);
            using var serving = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
            var running = server.RunAsync(serving.Token);
            _server = server;
            _logger.EmbeddedStarted(target.Spec.Ips.Count, server.JournalPath);
            string why;
            try
            {
                (seen, why) = await FollowAsync(target, server, running, stoppingToken).ConfigureAwait(false);
                delay = AgentLoop.FirstBackoff;
            }
            catch (Exception e) when (!stoppingToken.IsCancellationRequested && e is not OperationCanceledException)
            {
                // Not this node's fault; the reconciles go on. Started again from the journal after a pause.
                _logger.EmbeddedFailed(e.Message, Durations.Format(delay));
                why = "failed";
                seen = null;
                await Task.Delay(delay, time, stoppingToken).ConfigureAwait(false);
                delay = Durations.Doubled(delay, AgentLoop.MaxBackoff);
            }
            finally
            {
                _server = null;
                status.EmbeddedDhcp(null);
                await serving.CancelAsync().ConfigureAwait(false);
                await running.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }

            _logger.EmbeddedStopped(why);
        }
    }

    /// <summary>Follows the published node while it stays embedded; returns the node that ended it and why.</summary>
    private async Task<(NodeTarget? Next, string Why)> FollowAsync(
        NodeTarget target, EmbeddedDhcp server, Task running, CancellationToken stoppingToken)
    {
        var current = target;
        while (true)
        {
            var next = changes.NextAsync(current, stoppingToken);
            if (await Task.WhenAny(next, running).ConfigureAwait(false) == running)
            {
                await running.ConfigureAwait(false);
                throw new InvalidOperationException("the DHCP socket loop ended");
            }

            var published = await next.ConfigureAwait(false);
            if (published is not { State.DhcpBackend: DhcpBackend.Embedded })
            {
                return (published, published is null ? "no node in pool.json" : "the node switched to dnsmasq");
            }

            if (!EmbeddedDhcp.SameService(current, published))
            {
                await server.ReconfigureAsync(published, stoppingToken).ConfigureAwait(false);
            }

            current = published;
        }
    }

    private EmbeddedDhcp Running() =>
        _server ?? throw new LeaseReleaseException("the embedded DHCP server is not running (the agent has not applied the node yet)");
}
