using CocoonNet.Host.Agent.Telemetry;
using CocoonNet.Tests.Support;
using CocoonNet.Tests.Unit.Telemetry;

namespace CocoonNet.Tests.Unit.Leases;

/// <summary>Upstream's three DHCP series in /metrics, fed by the backend's <see cref="IDhcpLeaseStats"/>.</summary>
public sealed class DhcpLeaseMetricsTests
{
    private sealed class Stats : IDhcpLeaseStats
    {
        public long Ok { get; set; }

        public long Failed { get; set; }

        public int Active { get; set; }

        public int Available { get; set; }
    }

    [Fact]
    public async Task The_series_exist_from_the_start_with_upstreams_help()
    {
        using var leases = new LeaseFixture();
        var text = await leases.Metrics().RenderAsync();

        Assert.Contains("# HELP cocoon_net_dhcp_lease_total Number of DHCP lease grant attempts by result.\n", text);
        Assert.Contains("# TYPE cocoon_net_dhcp_lease_total counter\n", text);
        Assert.Contains("# HELP cocoon_net_dhcp_pool_available Number of unallocated IPs in the DHCP pool.\n", text);
        Assert.Contains("# TYPE cocoon_net_dhcp_pool_available gauge\n", text);
        Assert.Contains("# HELP cocoon_net_dhcp_lease_active Number of active (unexpired) DHCP leases.\n", text);
        Assert.Contains("# TYPE cocoon_net_dhcp_lease_active gauge\n", text);
        Assert.Equal(0, MetricsText.Sample(text, "cocoon_net_dhcp_lease_total{result=\"ok\"}"));
        Assert.Equal(0, MetricsText.Sample(text, "cocoon_net_dhcp_lease_total{result=\"failed\"}"));
    }

    [Fact]
    public async Task The_series_follow_the_backend_at_each_scrape()
    {
        using var leases = new LeaseFixture();
        var metrics = leases.Metrics();
        var stats = new Stats { Ok = 5, Failed = 1, Active = 3, Available = 250 };
        metrics.DhcpLeaseStats(() => stats);

        var first = await metrics.RenderAsync();
        stats.Ok = 7;
        stats.Active = 4;
        stats.Available = 249;
        var second = await metrics.RenderAsync();

        Assert.Equal(5, MetricsText.Sample(first, "cocoon_net_dhcp_lease_total{result=\"ok\"}"));
        Assert.Equal(1, MetricsText.Sample(first, "cocoon_net_dhcp_lease_total{result=\"failed\"}"));
        Assert.Equal(3, MetricsText.Sample(first, "cocoon_net_dhcp_lease_active"));
        Assert.Equal(250, MetricsText.Sample(first, "cocoon_net_dhcp_pool_available"));
        Assert.Equal(7, MetricsText.Sample(second, "cocoon_net_dhcp_lease_total{result=\"ok\"}"));
        Assert.Equal(4, MetricsText.Sample(second, "cocoon_net_dhcp_lease_active"));
        Assert.Equal(249, MetricsText.Sample(second, "cocoon_net_dhcp_pool_available"));
    }

    [ToolFact("promtool")]
    public async Task Promtool_accepts_the_dhcp_series()
    {
        using var leases = new LeaseFixture();
        var metrics = leases.Metrics();
        metrics.DhcpLeaseStats(() => new Stats { Ok = 2, Active = 2, Available = 251 });
        var text = await metrics.RenderAsync();
        var file = Path.Combine(Path.GetDirectoryName(leases.LeaseFile)!, "metrics.txt");
        File.WriteAllText(file, text);

        var result = Shell.Run("sh", ["-c", "promtool check metrics < \"$0\"", file]);

        Assert.True(result.ExitCode == 0, $"{result}\n--- metrics\n{text}");
        Assert.Equal("", (result.Stdout + result.Stderr).Trim());
    }
}
