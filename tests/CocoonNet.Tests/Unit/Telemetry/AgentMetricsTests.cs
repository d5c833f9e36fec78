using CocoonNet.Host.Agent;
using CocoonNet.Tests.Support;
using static CocoonNet.Tests.Unit.Telemetry.LeaseFixture;
using static CocoonNet.Tests.Unit.Telemetry.MetricsText;

namespace CocoonNet.Tests.Unit.Telemetry;

/// <summary>The agent's /metrics output: every series it publishes with HELP, sane values, valid for promtool.</summary>
public sealed class AgentMetricsTests
{
    private static readonly string[] Series =
    [
        "cocoon_net_pool_ips", "cocoon_net_dhcp_leases", "cocoon_net_dhcp_leases_error", "cocoon_net_repairs_total", "cocoon_net_reconcile_duration_seconds",
        "cocoon_net_reconcile_errors_total", "cocoon_net_dhcp_restarts_total", "cocoon_net_cloud_requests_total",
        "cocoon_net_cloud_request_duration_seconds", "cocoon_net_drift", "cocoon_net_build_info",
        "cocoon_net_dhcp_lease_total", "cocoon_net_dhcp_pool_available", "cocoon_net_dhcp_lease_active",
    ];

    /// <summary>What a running agent reports: a full reconcile, a failed repair, two route repairs, a DHCP restart, cloud drift.</summary>
    private static async Task<string> RenderBusyAgentAsync(LeaseFixture leases)
    {
        var metrics = leases.Metrics();
        IAgentTelemetry telemetry = metrics;
        telemetry.BuildInfo("0.1.0", "gke", "2.1.0");
        telemetry.Pool(LeaseFixture.Pool([.. Enumerable.Range(1, 253).Select(i => $"10.0.0.{i}")]));
        telemetry.Reconciled("full", TimeSpan.FromMilliseconds(12), succeeded: true);
        telemetry.Reconciled("repair", TimeSpan.FromMilliseconds(3), succeeded: false);
        telemetry.Repaired("route");
        telemetry.Repaired("route");
        telemetry.Repaired("local-route");
        telemetry.DhcpRestarted();
        telemetry.Drift("host", false);
        telemetry.Drift("cloud", true);
        metrics.CloudRequests("gke", "instances.get", "ok", 1);
        metrics.CloudRequestDuration("gke", "instances.get", 0.25);
        return await metrics.RenderAsync();
    }

    [Fact]
    public async Task Every_series_is_exported_with_help_and_type()
    {
        using var leases = new LeaseFixture(Lease(In(TimeSpan.FromHours(1)), "10.0.0.10"));
        var text = await RenderBusyAgentAsync(leases);

        foreach (var name in Series)
        {
            Assert.Contains($"# HELP {name} ", text);
            Assert.Contains($"# TYPE {name} ", text);
        }

        Assert.Contains("# TYPE cocoon_net_reconcile_duration_seconds histogram", text);
        Assert.Contains("# TYPE cocoon_net_cloud_request_duration_seconds histogram", text);
        Assert.Contains("# TYPE cocoon_net_repairs_total counter", text);
    }

    [Fact]
    public async Task Values_are_what_the_agent_reported()
    {
        using var leases = new LeaseFixture(Lease(In(TimeSpan.FromHours(1)), "10.0.0.10"));
        var text = await RenderBusyAgentAsync(leases);

        Assert.Equal(253, Sample(text, "cocoon_net_pool_ips"));
        Assert.Equal(1, Sample(text, "cocoon_net_dhcp_leases"));
        Assert.Equal(2, Sample(text, "cocoon_net_repairs_total{object=\"route\"}"));
        Assert.Equal(1, Sample(text, "cocoon_net_repairs_total{object=\"local-route\"}"));
        Assert.Equal(1, Sample(text, "cocoon_net_reconcile_errors_total"));
        Assert.Equal(1, Sample(text, "cocoon_net_dhcp_restarts_total"));
        Assert.Equal(1, Sample(text, "cocoon_net_reconcile_duration_seconds_count{kind=\"full\"}"));
        Assert.Equal(0.012, Sample(text, "cocoon_net_reconcile_duration_seconds_sum{kind=\"full\"}")!.Value, 6);
        Assert.Equal(1, Sample(text, "cocoon_net_reconcile_duration_seconds_bucket{kind=\"full\",le=\"0.016\"}"));
        Assert.Equal(0, Sample(text, "cocoon_net_reconcile_duration_seconds_bucket{kind=\"full\",le=\"0.008\"}"));
        Assert.Equal(1, Sample(text, "cocoon_net_cloud_requests_total{platform=\"gke\",action=\"instances.get\",result=\"ok\"}"));
        Assert.Equal(1, Sample(text, "cocoon_net_cloud_request_duration_seconds_count{platform=\"gke\",action=\"instances.get\"}"));
        Assert.Equal(1, Sample(text, "cocoon_net_drift{component=\"cloud\"}"));
        Assert.Equal(0, Sample(text, "cocoon_net_drift{component=\"host\"}"));
        Assert.Equal(1, Sample(text, "cocoon_net_build_info{version=\"0.1.0\",plugin=\"gke\",plugin_version=\"2.1.0\"}"));
    }

    [Fact]
    public async Task Nothing_but_the_agents_own_series_is_exported()
    {
        using var leases = new LeaseFixture();
        var text = await RenderBusyAgentAsync(leases);

        var names = text.Split('\n').Where(l => l.StartsWith("# TYPE ", StringComparison.Ordinal)).Select(l => l.Split(' ')[2]);
        Assert.Equal(Series.Order(StringComparer.Ordinal), names.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Leases_are_counted_at_scrape_time_expired_ones_and_other_pools_left_out()
    {
        using var leases = new LeaseFixture(
            Lease(In(TimeSpan.FromMinutes(30)), "10.0.0.10"),
            Lease(0, "10.0.0.11"), // infinite
            Lease(In(TimeSpan.FromSeconds(-1)), "10.0.0.12"), // expired
            Lease(In(TimeSpan.FromMinutes(5)), "192.168.122.50"), // another dnsmasq's pool
            "duid 00:01:00:01:2a:3b:4c:5d:52:54:00:12:34:56",
            "not a lease line");
        var metrics = leases.Metrics();

        Assert.Equal(4 - 1, Sample(await metrics.RenderAsync(), "cocoon_net_dhcp_leases"));

        ((IAgentTelemetry)metrics).Pool([Ip("10.0.0.10"), Ip("10.0.0.11"), Ip("10.0.0.12")]);
        Assert.Equal(2, Sample(await metrics.RenderAsync(), "cocoon_net_dhcp_leases"));

        File.AppendAllText(leases.LeaseFile, Lease(In(TimeSpan.FromHours(1)), "10.0.0.12", "52:54:00:00:00:02") + "\n");
        Assert.Equal(3, Sample(await metrics.RenderAsync(), "cocoon_net_dhcp_leases"));
    }

    [Fact]
    public async Task A_missing_lease_file_is_no_lease()
    {
        using var leases = new LeaseFixture();
        File.Delete(leases.LeaseFile);

        Assert.Equal(0, Sample(await leases.Metrics().RenderAsync(), "cocoon_net_dhcp_leases"));
    }

    [Fact]
    public async Task An_unreadable_lease_file_keeps_the_last_count_and_the_scrape_still_answers()
    {
        using var leases = new LeaseFixture(Lease(0, "10.0.0.10"), Lease(0, "10.0.0.11"));
        var metrics = leases.Metrics();
        Assert.Equal(2, Sample(await metrics.RenderAsync(), "cocoon_net_dhcp_leases"));

        // A directory where the file should be: reading it fails with an I/O error (root reads any file).
        File.Delete(leases.LeaseFile);
        Directory.CreateDirectory(leases.LeaseFile);

        Assert.Equal(2, Sample(await metrics.RenderAsync(), "cocoon_net_dhcp_leases"));
    }

    /// <summary>The /metrics output passes <c>promtool check metrics</c> (Debian package prometheus).</summary>
    [ToolFact("promtool")]
    public async Task Promtool_accepts_the_output()
    {
        using var leases = new LeaseFixture(Lease(In(TimeSpan.FromHours(1)), "10.0.0.10"));
        var text = await RenderBusyAgentAsync(leases);
        var file = Path.Combine(Path.GetDirectoryName(leases.LeaseFile)!, "metrics.txt");
        File.WriteAllText(file, text);

        var result = Shell.Run("sh", ["-c", "promtool check metrics < \"$0\"", file]);

        Assert.True(result.ExitCode == 0, $"{result}\n--- metrics\n{text}");
        Assert.Equal("", (result.Stdout + result.Stderr).Trim());
    }
}
