using System.Net;
using CocoonNet.Providers.Gke;
using CocoonNet.Providers.Gke.Metadata;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace CocoonNet.Gke.Tests.Unit;

/// <summary>The Metadata-Flavor handshake both ways, status handling and retries, against a stub server.</summary>
public sealed class MetadataClientTests : IDisposable
{
    private readonly StubServer _server = new();
    private readonly MetadataClient _client;

    public MetadataClientTests() =>
        _client = new MetadataClient(new HttpClient(_server), Options.Create(new GkeOptions { MetadataHost = "metadata.test:8080" }),
            TimeProvider.System, NullLogger<MetadataClient>.Instance);

    public void Dispose() => _server.Dispose();

    [Fact]
    public async Task Every_request_says_metadata_flavor_google_and_values_are_trimmed()
    {
        _server.Body = "my-project\n";
        Assert.Equal("my-project", await _client.GetAsync("project/project-id", default));
        Assert.Equal("http://metadata.test:8080/computeMetadata/v1/project/project-id", _server.LastUri);
        Assert.Equal("Google", _server.LastFlavor);
    }

    [Fact]
    public async Task A_server_that_does_not_answer_with_the_flavor_is_not_gce()
    {
        _server.Flavored = false;
        Assert.False(await _client.IsAvailableAsync(default));
        var error = await Assert.ThrowsAsync<GkeException>(() => _client.GetAsync("instance/name", default));
        Assert.Contains("lacks 'Metadata-Flavor: Google'; this is not a GCE metadata server", error.Message);
    }

    [Fact]
    public async Task Detection_answers_yes_only_for_a_flavored_200()
    {
        Assert.True(await _client.IsAvailableAsync(default));
        Assert.Equal("http://metadata.test:8080/", _server.LastUri);
        _server.Status = HttpStatusCode.NotFound;
        Assert.False(await _client.IsAvailableAsync(default));
    }

    [Fact]
    public async Task A_missing_value_fails_at_once_and_a_5xx_is_retried()
    {
        _server.Status = HttpStatusCode.NotFound;
        var error = await Assert.ThrowsAsync<GkeException>(() => _client.GetAsync("instance/zone", default));
        Assert.Equal("metadata instance/zone: HTTP 404", error.Message);
        Assert.Equal(1, _server.Requests);

        _server.Status = HttpStatusCode.ServiceUnavailable;
        await Assert.ThrowsAsync<GkeException>(() => _client.GetAsync("instance/zone", default));
        Assert.Equal(4, _server.Requests);
    }

    private sealed class StubServer : HttpMessageHandler
    {
        public HttpStatusCode Status { get; set; } = HttpStatusCode.OK;

        public bool Flavored { get; set; } = true;

        public string Body { get; set; } = "";

        public string? LastUri { get; private set; }

        public string? LastFlavor { get; private set; }

        public int Requests { get; private set; }

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Requests++;
            LastUri = request.RequestUri!.ToString();
            LastFlavor = request.Headers.TryGetValues("Metadata-Flavor", out var values) ? string.Join(",", values) : null;
            var response = new HttpResponseMessage(Status) { Content = new StringContent(Body) };
            if (Flavored)
            {
                response.Headers.Add("Metadata-Flavor", "Google");
            }

            return Task.FromResult(response);
        }
    }
}
