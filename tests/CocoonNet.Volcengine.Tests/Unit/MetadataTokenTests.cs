using System.Net;
using CocoonNet.Providers.Volcengine;
using CocoonNet.Providers.Volcengine.Metadata;

namespace CocoonNet.Volcengine.Tests.Unit;

/// <summary>
/// Token-first metadata as volcengine/volcengine-go-sdk <c>volcengine/credentials/ecs_role_provider.go</c> does it:
/// GET /latest/api/token with the TTL header, then the token on every metadata request; plain GETs only when the
/// server has no token endpoint.
/// </summary>
public sealed class MetadataTokenTests
{
    [Fact]
    public async Task A_token_required_server_is_asked_for_a_token_first_and_sees_it_on_every_read()
    {
        var server = new Server { Mode = "required" };
        var client = Client(server);

        Assert.True(await client.DetectAsync(CancellationToken.None));
        var instance = await client.GetInstanceAsync(CancellationToken.None);

        Assert.Equal("i-tok", instance.InstanceId);
        Assert.Equal("cn-beijing", instance.Region);
        // One token for the whole run (six hours is longer than any run), fetched with the SDK's TTL.
        var token = Assert.Single(server.Requests, r => r.Path == "/latest/api/token");
        Assert.Equal("GET", token.Method);
        Assert.Equal("21600", token.Ttl);
        Assert.All(server.Requests.Where(r => r.Path != "/latest/api/token"), r => Assert.Equal("tok-1", r.Token));
    }

    [Fact]
    public async Task A_server_without_a_token_endpoint_gets_plain_gets()
    {
        var server = new Server { Mode = "" };
        var client = Client(server);

        var instance = await client.GetInstanceAsync(CancellationToken.None);

        Assert.Equal("i-tok", instance.InstanceId);
        Assert.All(server.Requests.Where(r => r.Path != "/latest/api/token"), r => Assert.Null(r.Token));
    }

    [Fact]
    public async Task A_rejected_token_is_replaced_once()
    {
        var server = new Server { Mode = "required" };
        var client = Client(server);
        Assert.Equal("i-tok", await client.GetAsync("instance_id", CancellationToken.None));

        server.Revoke();
        Assert.Equal("cn-beijing", await client.GetAsync("region_id", CancellationToken.None));
        Assert.Equal(2, server.Requests.Count(r => r.Path == "/latest/api/token"));
    }

    [Fact]
    public async Task A_failing_token_endpoint_is_an_error_not_a_silent_plain_get()
    {
        var server = new Server { Mode = "broken" };
        var client = Client(server);

        Assert.False(await client.DetectAsync(CancellationToken.None));
        var error = await Assert.ThrowsAsync<HttpRequestException>(() => client.GetAsync("instance_id", CancellationToken.None));
        Assert.Contains("HTTP 500", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(server.Requests, r => r.Path != "/latest/api/token");
    }

    private static MetadataClient Client(Server server) =>
        new(new HttpClient(server), new VolcengineSettings
        {
            Endpoint = new Uri(VolcengineSettings.DefaultEndpoint),
            MetadataUrl = new Uri("http://imds.test/volcstack/latest/"),
        });

    private sealed record Request(string Method, string Path, string? Ttl, string? Token);

    /// <summary>The emulator's token modes ("" no endpoint, "required"), plus "broken": the token endpoint answers 500.</summary>
    private sealed class Server : HttpMessageHandler
    {
        private readonly Dictionary<string, string> _values = new()
        {
            ["instance_id"] = "i-tok",
            ["region_id"] = "cn-beijing",
            ["availability_zone"] = "cn-beijing-a",
            ["vpc_id"] = "vpc-1",
            ["instance_type"] = "ecs.g1ie.xlarge",
        };

        private readonly HashSet<string> _valid = [];
        private int _issued;

        public required string Mode { get; init; }

        public List<Request> Requests { get; } = [];

        public void Revoke()
        {
            lock (Requests)
            {
                _valid.Clear();
            }
        }

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            static string? One(HttpRequestMessage r, string name) => r.Headers.TryGetValues(name, out var v) ? v.Single() : null;
            var path = request.RequestUri!.AbsolutePath;
            lock (Requests)
            {
                var token = One(request, "X-volc-ecs-metadata-token");
                Requests.Add(new Request(request.Method.Method, path, One(request, "X-volc-ecs-metadata-token-ttl-seconds"), token));
                if (path == "/latest/api/token")
                {
                    return Task.FromResult(Mode switch
                    {
                        "" => new HttpResponseMessage(HttpStatusCode.NotFound),
                        "broken" => new HttpResponseMessage(HttpStatusCode.InternalServerError),
                        _ => Issue(),
                    });
                }

                if (Mode == "required" && (token is null || !_valid.Contains(token)))
                {
                    return Task.FromResult(new HttpResponseMessage(HttpStatusCode.Unauthorized));
                }

                return Task.FromResult(_values.TryGetValue(path["/volcstack/latest/".Length..], out var value)
                    ? new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent(value) }
                    : new HttpResponseMessage(HttpStatusCode.NotFound));
            }
        }

        private HttpResponseMessage Issue()
        {
            var token = $"tok-{++_issued}";
            _valid.Add(token);
            return new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent(token) };
        }
    }
}
