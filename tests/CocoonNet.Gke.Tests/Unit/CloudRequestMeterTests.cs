using System.Diagnostics.Metrics;
using System.Net;
using CocoonNet.Providers.Gke;
using CocoonNet.Providers.Gke.Auth;
using CocoonNet.Providers.Gke.Compute;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using NSubstitute;

namespace CocoonNet.Gke.Tests.Unit;

/// <summary>Each Compute request is reported on the CocoonNet.Cloud meter (docs/plugin-contract.md, "Reporting cloud calls").</summary>
public sealed class CloudRequestMeterTests : IDisposable
{
    // Measurements of this test's own calls only: other tests run Compute calls in parallel on the same meter.
    private static readonly AsyncLocal<bool> Mine = new();
    private readonly List<(string Instrument, double Value, Dictionary<string, string?> Tags)> _seen = [];
    private readonly MeterListener _listener = new();
    private readonly Answering _handler = new();
    private readonly ComputeClient _client;

    public CloudRequestMeterTests()
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == "CocoonNet.Cloud")
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((i, v, t, _) => Seen(i, v, t));
        _listener.SetMeasurementEventCallback<double>((i, v, t, _) => Seen(i, v, t));
        _listener.Start();
        var tokens = Substitute.For<IAccessTokenSource>();
        tokens.GetAccessTokenAsync(Arg.Any<CancellationToken>()).Returns("tok");
        var options = Options.Create(new GkeOptions { ComputeEndpoint = "http://compute.test/compute/v1/" });
        _client = new ComputeClient(new HttpClient(_handler), tokens, options, new ComputeTimings(), TimeProvider.System, NullLogger<ComputeClient>.Instance);
    }

    public void Dispose()
    {
        _listener.Dispose();
        _handler.Dispose();
    }

    [Fact]
    public async Task A_success_an_error_answer_and_no_answer_are_counted_with_their_method_names()
    {
        Mine.Value = true;
        await _client.GetInstanceAsync(new InstanceRef("p", "z-a", "vm-1"), default);
        _handler.Status = HttpStatusCode.Forbidden;
        await Assert.ThrowsAsync<ComputeApiException>(() => _client.GetSubnetworkAsync(new SubnetworkRef("p", "r", "nodes"), default));
        _handler.Fail = true;
        await Assert.ThrowsAnyAsync<Exception>(() => _client.WaitOperationAsync("p", new Operation("op-1", "RUNNING"), default));

        Assert.Equal(
            ["instances.get ok", "subnetworks.get error", "operations.wait no_answer"],
            Requests().Select(t => $"{t["action"]} {t["result"]}"));
        Assert.All(Requests(), t => Assert.Equal("gke", t["platform"]));
        var durations = _seen.Where(s => s.Instrument == "cocoon_net.cloud.request.duration").ToList();
        Assert.Equal(3, durations.Count);
        Assert.All(durations, d => Assert.True(d.Value >= 0 && !d.Tags.ContainsKey("result")));
    }

    [Theory]
    [InlineData("GET", "/compute/v1/projects/p/zones/z/instances/vm", "instances.get")]
    [InlineData("PATCH", "/compute/v1/projects/p/regions/r/subnetworks/s", "subnetworks.patch")]
    [InlineData("PATCH", "/compute/v1/projects/p/zones/z/instances/vm/updateNetworkInterface", "instances.updateNetworkInterface")]
    [InlineData("POST", "/compute/v1/projects/p/zones/z/operations/op/wait", "operations.wait")]
    [InlineData("POST", "/compute/v1/projects/p/regions/r/operations/op/wait", "operations.wait")]
    [InlineData("POST", "/compute/v1/projects/p/global/operations/op/wait", "operations.wait")]
    [InlineData("GET", "/compute/v1/projects/p/global/networks/default", "networks.get")]
    [InlineData("GET", "/somewhere/else", "other")]
    public void The_action_is_the_api_method_name(string method, string path, string action) =>
        Assert.Equal(action, CloudRequestMeter.ActionOf(new HttpMethod(method), new Uri("http://compute.test" + path)));

    private List<Dictionary<string, string?>> Requests() =>
        _seen.Where(s => s.Instrument == "cocoon_net.cloud.requests").Select(s => s.Tags).ToList();

    private void Seen(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        if (Mine.Value)
        {
            var copy = new Dictionary<string, string?>();
            foreach (var (key, tag) in tags)
            {
                copy[key] = tag?.ToString();
            }

            lock (_seen)
            {
                _seen.Add((instrument.Name, value, copy));
            }
        }
    }

    private sealed class Answering : HttpMessageHandler
    {
        public HttpStatusCode Status { get; set; } = HttpStatusCode.OK;

        public bool Fail { get; set; }

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) => Fail
            ? throw new HttpRequestException("Connection refused")
            : Task.FromResult(new HttpResponseMessage(Status)
            {
                Content = new StringContent("""{"name":"x","status":"DONE"}""", System.Text.Encoding.UTF8, "application/json"),
            });
    }
}
