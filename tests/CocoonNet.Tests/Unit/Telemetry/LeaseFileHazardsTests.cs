using System.Net;
using System.Net.Sockets;
using CocoonNet.Host.Agent;
using CocoonNet.Host.Agent.Telemetry;
using CocoonNet.Tests.Support;
using Microsoft.Extensions.Logging.Abstractions;
using static CocoonNet.Tests.Unit.Telemetry.MetricsText;
using static CocoonNet.Tests.Unit.Telemetry.ListenerTestKit;

namespace CocoonNet.Tests.Unit.Telemetry;

/// <summary>
/// Whatever sits at dnsmasq's lease file path (a FIFO nobody writes, a link, a file far too large) costs one
/// metric, never the endpoints: /metrics, /healthz and /readyz answer at once and the error gauge says so.
/// </summary>
public sealed class LeaseFileHazardsTests : IDisposable
{
    private readonly LeaseFixture _leases = new(LeaseFixture.Lease(0, "10.0.0.10"));
    private readonly string _outside = Path.Combine(Path.GetTempPath(), $"cocoon-net-outside-{Guid.NewGuid():N}");

    public static TheoryData<string> Hazards => ["fifo", "symlink", "huge"];

    [Theory]
    [MemberData(nameof(Hazards))]
    public async Task A_hostile_lease_file_fails_only_its_metric(string hazard)
    {
        using var stop = new CancellationTokenSource();
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var metrics = _leases.Metrics();
        ((IAgentTelemetry)metrics).Pool(LeaseFixture.Pool("10.0.0.10"));
        using var endpoints = new AgentEndpoints(new ListenAddress(IPAddress.Loopback, FreeLoopbackPort()), metrics, new AlwaysReady(),
            NullLogger<AgentEndpoints>.Instance);
        endpoints.Start();
        var serving = endpoints.ServeAsync(stop.Token);
        var url = $"http://{endpoints.Address}";

        // A good read first: the count it found is kept while the file cannot be read.
        var before = await http.GetStringAsync($"{url}/metrics");
        Assert.Equal(1, Sample(before, "cocoon_net_dhcp_leases"));
        Assert.Equal(0, Sample(before, "cocoon_net_dhcp_leases_error"));

        Plant(hazard);
        var text = await http.GetStringAsync($"{url}/metrics");
        Assert.Equal(1, Sample(text, "cocoon_net_dhcp_leases_error"));
        Assert.Equal(1, Sample(text, "cocoon_net_dhcp_leases"));
        Assert.Equal("ok\n", await http.GetStringAsync($"{url}/healthz"));
        Assert.Equal("ready\n", await http.GetStringAsync($"{url}/readyz"));

        await stop.CancelAsync();
        await serving.WaitAsync(TimeSpan.FromSeconds(5));
    }

    public void Dispose()
    {
        File.Delete(_outside);
        _leases.Dispose();
    }

    private void Plant(string hazard)
    {
        File.Delete(_leases.LeaseFile);
        switch (hazard)
        {
            case "fifo":
                Shell.Check("mkfifo", _leases.LeaseFile);
                break;
            case "symlink":
                File.WriteAllText(_outside, LeaseFixture.Lease(0, "10.0.0.10") + "\n");
                File.CreateSymbolicLink(_leases.LeaseFile, _outside);
                break;
            default:
                // Sparse: a 1 GiB lease file costs the test no disk.
                using (var huge = new FileStream(_leases.LeaseFile, FileMode.CreateNew))
                {
                    huge.SetLength(1L << 30);
                }

                break;
        }
    }
}
