using System.Net;
using System.Net.Sockets;
using CocoonNet.Host.Agent;
using CocoonNet.Host.Agent.Telemetry;
using Microsoft.Extensions.Logging.Abstractions;
using static CocoonNet.Tests.Unit.Telemetry.ListenerTestKit;

namespace CocoonNet.Tests.Unit.Telemetry;

/// <summary>The HTTP endpoints on loopback: /metrics, /healthz, /readyz (200 or 503 with the reason), 404, stop on cancel.</summary>
public sealed class AgentEndpointsTests : IAsyncLifetime, IDisposable
{
    private readonly LeaseFixture _leases = new(LeaseFixture.Lease(0, "10.0.0.10"));
    private readonly Health _health = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(10) };
    private AgentEndpoints _endpoints = null!;
    private Task _serving = Task.CompletedTask;

    private sealed class Health : IAgentHealth
    {
        public bool Ready { get; set; }

        public string Reason { get; set; } = "";
    }

    public Task InitializeAsync()
    {
        var metrics = _leases.Metrics();
        ((IAgentTelemetry)metrics).Pool(LeaseFixture.Pool("10.0.0.10", "10.0.0.11", "10.0.0.12"));
        _endpoints = new AgentEndpoints(new ListenAddress(IPAddress.Loopback, FreeLoopbackPort()), metrics, _health, NullLogger<AgentEndpoints>.Instance);
        _endpoints.Start();
        _serving = _endpoints.ServeAsync(_stop.Token);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await _stop.CancelAsync();
        await _serving.WaitAsync(TimeSpan.FromSeconds(10));
    }

    public void Dispose()
    {
        _endpoints.Dispose();
        _http.Dispose();
        _stop.Dispose();
        _leases.Dispose();
    }

    private Uri Url(string path) => new($"http://{_endpoints.Address}{path}");

    [Fact]
    public async Task Metrics_are_served_in_the_prometheus_text_format()
    {
        using var response = await _http.GetAsync(Url("/metrics"));
        var text = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/plain; version=0.0.4; charset=utf-8", response.Content.Headers.ContentType?.ToString());
        Assert.Equal(3, MetricsText.Sample(text, "cocoon_net_pool_ips"));
        Assert.Equal(1, MetricsText.Sample(text, "cocoon_net_dhcp_leases"));
    }

    [Fact]
    public async Task Healthz_is_200_even_when_not_ready()
    {
        using var response = await _http.GetAsync(Url("/healthz"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("ok\n", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Readyz_follows_the_agents_health_with_the_reason()
    {
        _health.Reason = "reconcile failed: bridge cni0: Operation not permitted";
        using (var response = await _http.GetAsync(Url("/readyz")))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
            Assert.Equal("not ready: reconcile failed: bridge cni0: Operation not permitted\n", await response.Content.ReadAsStringAsync());
        }

        _health.Ready = true;
        _health.Reason = "";
        using (var response = await _http.GetAsync(Url("/readyz")))
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("ready\n", await response.Content.ReadAsStringAsync());
        }
    }

    [Theory]
    [InlineData("/")]
    [InlineData("/metrics/extra")]
    [InlineData("/debug")]
    public async Task Other_paths_are_404(string path)
    {
        using var response = await _http.GetAsync(Url(path));

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Fact]
    public async Task Only_get_and_head_are_answered()
    {
        using var post = await _http.PostAsync(Url("/metrics"), new StringContent(""));
        Assert.Equal(HttpStatusCode.MethodNotAllowed, post.StatusCode);

        using var head = await _http.SendAsync(new HttpRequestMessage(HttpMethod.Head, Url("/healthz")));
        Assert.Equal(HttpStatusCode.OK, head.StatusCode);
        Assert.Equal(3, head.Content.Headers.ContentLength);
    }

    [Fact]
    public async Task Cancelling_stops_serving_and_frees_the_port()
    {
        await _stop.CancelAsync();
        await _serving.WaitAsync(TimeSpan.FromSeconds(5));

        await Assert.ThrowsAsync<HttpRequestException>(() => _http.GetAsync(Url("/healthz")));
        using var again = new TcpListener(IPAddress.Loopback, _endpoints.Address.Port);
        again.Start();
    }

    [Fact]
    public void A_taken_address_is_one_line_naming_it()
    {
        using var other = new AgentEndpoints(_endpoints.Address, _leases.Metrics(), _health, NullLogger<AgentEndpoints>.Instance);

        var error = Assert.Throws<EndpointsException>(other.Start);
        Assert.StartsWith($"cannot listen on {_endpoints.Address}: ", error.Message);
        Assert.EndsWith("; choose another address with --listen", error.Message);
    }
}
