using System.Net;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Prometheus;

namespace CocoonNet.Host.Agent.Telemetry;

/// <summary>
/// The agent's Prometheus series, on a registry of its own: the process-wide default registry would
/// also carry whatever prometheus-net registers there by itself (.NET runtime counters, meters of every library),
/// which is not ours to publish and would change with each dependency update.
/// </summary>
internal sealed class AgentMetrics : IAgentTelemetry
{
    private readonly Gauge _poolIps;
    private readonly Gauge _dhcpLeases;
    private readonly Gauge _dhcpLeasesError;
    private readonly Counter _repairs;
    private readonly Histogram _reconcileDuration;
    private readonly Counter _reconcileErrors;
    private readonly Counter _dhcpRestarts;
    private readonly Counter _cloudRequests;
    private readonly Histogram _cloudRequestDuration;
    private readonly Gauge _drift;
    private readonly Gauge _buildInfo;
    private readonly Counter _leaseTotal;
    private readonly Gauge _poolAvailable;
    private readonly Gauge _leaseActive;
    private readonly DnsmasqLeaseCounter _leases;
    private readonly ILogger _logger;
    private volatile IReadOnlySet<IPAddress>? _pool;
    private string? _leaseProblem;
    private volatile Func<IDhcpLeaseStats?>? _leaseStats;

    public AgentMetrics(string leaseFile, TimeProvider time, ILogger? logger = null)
    {
        _logger = logger ?? NullLogger.Instance;
        Registry = Metrics.NewCustomRegistry();
        var factory = Metrics.WithCustomRegistry(Registry);
        _leases = new DnsmasqLeaseCounter(leaseFile, time);

        _poolIps = factory.CreateGauge("cocoon_net_pool_ips", "Addresses in the node's VM pool (pool.json).");
        _dhcpLeases = factory.CreateGauge("cocoon_net_dhcp_leases",
            "Active DHCP leases of pool addresses in dnsmasq's lease file, read at scrape time.");
        _dhcpLeasesError = factory.CreateGauge("cocoon_net_dhcp_leases_error",
            "1 when dnsmasq's lease file could not be read at the last scrape (not a regular file, too large, unreadable); cocoon_net_dhcp_leases then keeps its last count.");
        _repairs = factory.CreateCounter("cocoon_net_repairs_total",
            "Host objects put back after drift, by kind of object (route, bridge, address, local-route, nic).", "object");
        _reconcileDuration = factory.CreateHistogram("cocoon_net_reconcile_duration_seconds",
            "Time one reconcile took, by kind (full or repair).", ["kind"],
            new HistogramConfiguration { Buckets = Histogram.ExponentialBuckets(0.001, 2, 15) });
        _reconcileErrors = factory.CreateCounter("cocoon_net_reconcile_errors_total", "Reconciles that failed.");
        _dhcpRestarts = factory.CreateCounter("cocoon_net_dhcp_restarts_total", "Times the agent restarted dnsmasq after it exited.");
        _cloudRequests = factory.CreateCounter("cocoon_net_cloud_requests_total",
            "Cloud API requests (each attempt), by platform, action and result (ok, error: an error answer, no_answer: timeout or no connection).",
            "platform", "action", "result");
        // Up to GCE's 2 minute operations.wait hold.
        _cloudRequestDuration = factory.CreateHistogram("cocoon_net_cloud_request_duration_seconds",
            "Time one cloud API request took, by platform and action.", ["platform", "action"],
            new HistogramConfiguration { Buckets = Histogram.ExponentialBuckets(0.01, 2, 15) });
        _drift = factory.CreateGauge("cocoon_net_drift", "1 while a component (host, cloud, dhcp) differs from what the node should be.", "component");
        _buildInfo = factory.CreateGauge("cocoon_net_build_info", "Always 1: the running cocoon-net and plugin versions.",
            "version", "plugin", "plugin_version");
        // Upstream's three DHCP series, with its names and help texts, fed by the DHCP backend (IDhcpLeaseStats).
        _leaseTotal = factory.CreateCounter("cocoon_net_dhcp_lease_total", "Number of DHCP lease grant attempts by result.", "result");
        _poolAvailable = factory.CreateGauge("cocoon_net_dhcp_pool_available", "Number of unallocated IPs in the DHCP pool.");
        _leaseActive = factory.CreateGauge("cocoon_net_dhcp_lease_active", "Number of active (unexpired) DHCP leases.");
        // Both results from the start: a rate over a series that appears only at the first failure misses it.
        _leaseTotal.WithLabels("ok");
        _leaseTotal.WithLabels("failed");

        // An unreadable lease file keeps the last count: a scrape must not fail, nor report 0 leases it never saw.
        Registry.AddBeforeCollectCallback(() =>
        {
            var count = _leases.CountActive(_pool, out var problem);
            if (count is { } active)
            {
                _dhcpLeases.Set(active);
            }

            _dhcpLeasesError.Set(count is null ? 1 : 0);
            // Once per distinct problem, not at every scrape.
            if (problem is not null && problem != _leaseProblem)
            {
                _logger.LeaseFileUnreadable(problem);
            }

            _leaseProblem = problem;

            if (_leaseStats?.Invoke() is { } stats)
            {
                _leaseTotal.WithLabels("ok").IncTo(stats.Ok);
                _leaseTotal.WithLabels("failed").IncTo(stats.Failed);
                _leaseActive.Set(stats.Active);
                _poolAvailable.Set(stats.Available);
            }
        });
    }

    /// <summary>The registry <c>/metrics</c> exports.</summary>
    public CollectorRegistry Registry { get; }


    /// <summary>Where the DHCP series are read at each scrape: the backend serving the node then (none: they stay as they are).</summary>
    public void DhcpLeaseStats(Func<IDhcpLeaseStats?> source) => _leaseStats = source;

    public void BuildInfo(string version, string plugin, string pluginVersion) =>
        _buildInfo.WithLabels(version, plugin, pluginVersion).Set(1);

    /// <summary>Also counts leases only of these addresses (another dnsmasq may share the lease file); all when never set.</summary>
    public void Pool(IReadOnlyList<IPAddress> ips)
    {
        _pool = ips.ToHashSet();
        _poolIps.Set(ips.Count);
    }

    public void Reconciled(string kind, TimeSpan duration, bool succeeded)
    {
        _reconcileDuration.WithLabels(kind).Observe(duration.TotalSeconds);
        if (!succeeded)
        {
            _reconcileErrors.Inc();
        }
    }

    public void Repaired(string kind) => _repairs.WithLabels(kind).Inc();

    public void DhcpRestarted() => _dhcpRestarts.Inc();

    public void Drift(string component, bool drifted) => _drift.WithLabels(component).Set(drifted ? 1 : 0);

    /// <summary>One cloud request as a plugin recorded it on the <c>CocoonNet.Cloud</c> meter.</summary>
    public void CloudRequests(string platform, string action, string result, double count) =>
        _cloudRequests.WithLabels(platform, action, result).Inc(count);

    public void CloudRequestDuration(string platform, string action, double seconds) =>
        _cloudRequestDuration.WithLabels(platform, action).Observe(seconds);

    /// <summary>Writes the text exposition format (what Prometheus scrapes).</summary>
    public Task ExportAsync(Stream destination, CancellationToken cancellationToken) =>
        Registry.CollectAndExportAsTextAsync(destination, cancellationToken);
}
