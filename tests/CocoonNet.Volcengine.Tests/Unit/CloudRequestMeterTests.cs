using System.Diagnostics.Metrics;
using System.Net;
using CocoonNet.Abstractions;
using CocoonNet.Providers.Volcengine;
using CocoonNet.Providers.Volcengine.Api;
using CocoonNet.Providers.Volcengine.Credentials;
using CocoonNet.Providers.Volcengine.Metadata;
using CocoonNet.Volcengine.Tests.Support;
using Microsoft.Extensions.Logging.Abstractions;
using NSubstitute;

namespace CocoonNet.Volcengine.Tests.Unit;

/// <summary>Each OpenAPI attempt is reported on the CocoonNet.Cloud meter (docs/plugin-contract.md, "Reporting cloud calls").</summary>
public sealed class CloudRequestMeterTests : IDisposable
{
    // Measurements of this test's own calls only: other tests run OpenAPI calls in parallel on the same meter.
    private static readonly AsyncLocal<bool> Mine = new();
    private readonly List<(string Instrument, Dictionary<string, string?> Tags)> _seen = [];
    private readonly MeterListener _listener = new();
    private readonly Queue<Func<HttpResponseMessage>> _answers = new();

    public CloudRequestMeterTests()
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == "CocoonNet.Cloud")
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((i, _, t, _) => Seen(i, t));
        _listener.SetMeasurementEventCallback<double>((i, _, t, _) => Seen(i, t));
        _listener.Start();
    }

    public void Dispose() => _listener.Dispose();

    [Fact]
    public async Task Every_attempt_is_counted_a_throttled_answer_as_an_error_even_with_http_200()
    {
        Mine.Value = true;
        _answers.Enqueue(() => Answer(HttpStatusCode.OK, """{"ResponseMetadata":{"Error":{"Code":"FlowLimitExceeded","Message":"slow"}}}"""));
        _answers.Enqueue(() => throw new HttpRequestException("Connection refused"));
        _answers.Enqueue(() => Answer(HttpStatusCode.OK, """{"ResponseMetadata":{},"Result":{"NetworkInterfaceId":"eni-9"}}"""));
        _answers.Enqueue(() => Answer(HttpStatusCode.BadRequest, """{"ResponseMetadata":{"Error":{"Code":"LimitExceeded.EnisPerInstance","Message":"max 8"}}}"""));

        var api = new VpcApi(Client());
        Assert.Equal("eni-9", await api.CreateNetworkInterfaceAsync("subnet-1", "sg-1", "n1-eni-1", [], 20, "tok-1", CancellationToken.None));
        await Assert.ThrowsAsync<VolcengineApiException>(() => api.AttachNetworkInterfaceAsync("i-1", "eni-9", CancellationToken.None));

        Assert.Equal(
            ["CreateNetworkInterface error", "CreateNetworkInterface no_answer", "CreateNetworkInterface ok", "AttachNetworkInterface error"],
            _seen.Where(s => s.Instrument == "cocoon_net.cloud.requests").Select(s => $"{s.Tags["action"]} {s.Tags["result"]}"));
        Assert.All(_seen, s => Assert.Equal("volcengine", s.Tags["platform"]));
        Assert.Equal(4, _seen.Count(s => s.Instrument == "cocoon_net.cloud.request.duration"));
    }

    private static HttpResponseMessage Answer(HttpStatusCode status, string body) => new(status) { Content = new StringContent(body) };

    private OpenApiClient Client()
    {
        var environment = Substitute.For<IEnvironmentReader>();
        environment.Get(Arg.Any<string>()).Returns((string?)null);
        environment.Get("VOLCENGINE_ACCESS_KEY").Returns("AKtest");
        environment.Get("VOLCENGINE_SECRET_KEY").Returns("SKtest");
        environment.Get("VOLCENGINE_REGION").Returns("cn-test");
        environment.Get("VOLCENGINE_ENDPOINT").Returns("http://127.0.0.1:1");
        var settings = VolcengineSettings.From(environment, FakePluginSettings.None);
        var http = new HttpClient(new StubHandler(this));
        var retry = new OpenApiRetry(TimeProvider.System, NullLogger<OpenApiRetry>.Instance) { BaseDelay = TimeSpan.FromMilliseconds(1) };
        return new OpenApiClient(http, settings, new ApiSession(new CredentialResolver(environment), new MetadataClient(http, settings)),
            retry, new RequestPacer(TimeProvider.System, 1000), TimeProvider.System);
    }

    private void Seen(Instrument instrument, ReadOnlySpan<KeyValuePair<string, object?>> tags)
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
                _seen.Add((instrument.Name, copy));
            }
        }
    }

    private sealed class StubHandler(CloudRequestMeterTests test) : HttpMessageHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
            Task.FromResult(test._answers.Dequeue()());
    }
}
