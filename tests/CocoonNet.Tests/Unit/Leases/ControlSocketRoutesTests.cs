using System.Net;
using System.Text;
using System.Text.Json;
using CocoonNet.Host.Agent.Leases;
using CocoonNet.Host.Agent.Telemetry;
using CocoonNet.Node.Leases;
using Microsoft.Extensions.Logging.Abstractions;

namespace CocoonNet.Tests.Unit.Leases;

/// <summary>The control socket's routes, as vk-cocoon and an operator meet them.</summary>
public sealed class ControlSocketRoutesTests
{
    private readonly FakeLeases _leases = new();

    private Task<HttpAnswer> Ask(string method, string path) =>
        ControlSocket.Answer(_leases, new HttpRequestHead(method, path), NullLogger.Instance, CancellationToken.None);

    [Theory]
    [InlineData("52:54:00:AB:cd:01")]
    [InlineData("52-54-00-ab-cd-01")]
    [InlineData("52%3A54%3A00%3Aab%3Acd%3A01")]
    public async Task Delete_releases_the_canonical_mac_and_answers_204_with_no_body(string mac)
    {
        var answer = await Ask("DELETE", $"/v1/leases/{mac}");

        Assert.Equal(HttpStatusCode.NoContent, answer.Status);
        Assert.Empty(answer.Body);
        Assert.Equal(["52:54:00:ab:cd:01"], _leases.Released);
        var head = Encoding.ASCII.GetString(answer.Head());
        Assert.StartsWith("HTTP/1.1 204 No Content\r\n", head, StringComparison.Ordinal);
        Assert.DoesNotContain("Content-Length", head, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Delete_of_a_mac_without_lease_is_still_204()
    {
        var first = await Ask("DELETE", "/v1/leases/52:54:00:ab:cd:01");
        var again = await Ask("DELETE", "/v1/leases/52:54:00:ab:cd:01");

        Assert.Equal(HttpStatusCode.NoContent, first.Status);
        Assert.Equal(HttpStatusCode.NoContent, again.Status);
    }

    [Theory]
    [InlineData("/v1/leases/not-a-mac")]
    [InlineData("/v1/leases/")]
    [InlineData("/v1/leases/52:54:00:ab:cd")]
    [InlineData("/v1/leases/52:54:00:ab:cd:01/x")]
    public async Task Delete_of_a_malformed_mac_is_400(string path)
    {
        var answer = await Ask("DELETE", path);

        Assert.Equal(HttpStatusCode.BadRequest, answer.Status);
        Assert.Equal("invalid MAC address\n", Encoding.UTF8.GetString(answer.Body));
        Assert.Empty(_leases.Released);
    }

    [Fact]
    public async Task A_failed_release_is_500_with_one_line()
    {
        _leases.Failure = "dhcp_release (package dnsmasq-utils) is not installed";

        var answer = await Ask("DELETE", "/v1/leases/52:54:00:ab:cd:01");

        Assert.Equal(HttpStatusCode.InternalServerError, answer.Status);
        Assert.Equal("dhcp_release (package dnsmasq-utils) is not installed\n", Encoding.UTF8.GetString(answer.Body));
    }

    [Theory]
    [InlineData("GET")]
    [InlineData("POST")]
    [InlineData("PUT")]
    public async Task Other_methods_on_one_lease_are_405_allowing_delete(string method)
    {
        var answer = await Ask(method, "/v1/leases/52:54:00:ab:cd:01");

        Assert.Equal(HttpStatusCode.MethodNotAllowed, answer.Status);
        Assert.Equal("DELETE", answer.Allow);
        Assert.Contains("\r\nAllow: DELETE\r\n", Encoding.ASCII.GetString(answer.Head()), StringComparison.Ordinal);
        Assert.Empty(_leases.Released);
    }

    [Theory]
    [InlineData("DELETE")]
    [InlineData("POST")]
    public async Task Other_methods_on_the_list_are_405_allowing_get_and_head(string method)
    {
        var answer = await Ask(method, "/v1/leases");

        Assert.Equal(HttpStatusCode.MethodNotAllowed, answer.Status);
        Assert.Equal("GET, HEAD", answer.Allow);
    }

    [Theory]
    [InlineData("/")]
    [InlineData("/v1")]
    [InlineData("/v1/leasesx")]
    [InlineData("/metrics")]
    public async Task Other_paths_are_404(string path)
    {
        Assert.Equal(HttpStatusCode.NotFound, (await Ask("GET", path)).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await Ask("DELETE", path)).Status);
    }

    [Fact]
    public async Task Get_lists_the_leases_as_versioned_json()
    {
        _leases.Table.Add(new Lease("52:54:00:ab:cd:01", IPAddress.Parse("10.0.0.7"), new DateTimeOffset(2026, 12, 6, 14, 0, 0, TimeSpan.Zero)));

        var answer = await Ask("GET", "/v1/leases");

        Assert.Equal(HttpStatusCode.OK, answer.Status);
        Assert.Equal("application/json", answer.ContentType);
        Assert.Equal("""{"schemaVersion":1,"leases":[{"mac":"52:54:00:ab:cd:01","ip":"10.0.0.7","expiry":"2026-12-06T14:00:00Z"}]}""",
            Encoding.UTF8.GetString(answer.Body));
        using var parsed = JsonDocument.Parse(answer.Body);
        Assert.Equal(1, parsed.RootElement.GetProperty("schemaVersion").GetInt32());
    }

    [Fact]
    public async Task A_list_that_cannot_be_read_is_500_with_one_line()
    {
        var answer = await ControlSocket.Answer(new BrokenList(), new HttpRequestHead("GET", "/v1/leases"), NullLogger.Instance, CancellationToken.None);

        Assert.Equal(HttpStatusCode.InternalServerError, answer.Status);
        Assert.Equal("leases.json is not a lease file\n", Encoding.UTF8.GetString(answer.Body));
    }

    private sealed class BrokenList : ILeaseService
    {
        public Task<IReadOnlyList<Lease>> ListAsync(CancellationToken cancellationToken) => throw new LeaseFileException("leases.json is not a lease file");

        public Task ReleaseAsync(string canonicalMac, CancellationToken cancellationToken) => Task.CompletedTask;
    }

    [Fact]
    public async Task Get_of_no_lease_is_an_empty_list()
    {
        var answer = await Ask("HEAD", "/v1/leases");

        Assert.Equal(HttpStatusCode.OK, answer.Status);
        Assert.Equal("""{"schemaVersion":1,"leases":[]}""", Encoding.UTF8.GetString(answer.Body));
    }
}
