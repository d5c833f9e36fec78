using System.Net;
using System.Text.Json;
using CocoonNet.Providers.Gke;
using CocoonNet.Providers.Gke.Auth;
using CocoonNet.Providers.Gke.Compute;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using NSubstitute;

namespace CocoonNet.Gke.Tests.Unit;

/// <summary>What goes on the wire: methods, paths, query, headers and JSON bodies of each call.</summary>
public sealed class ComputeRequestShapeTests : IDisposable
{
    private readonly CapturingHandler _handler = new();
    private readonly ComputeClient _client;

    public ComputeRequestShapeTests()
    {
        var tokens = Substitute.For<IAccessTokenSource>();
        tokens.GetAccessTokenAsync(Arg.Any<CancellationToken>()).Returns("tok-123");
        var options = Options.Create(new GkeOptions { ComputeEndpoint = "http://compute.test/compute/v1/" });
        _client = new ComputeClient(new HttpClient(_handler), tokens, options, new ComputeTimings(), TimeProvider.System, NullLogger<ComputeClient>.Instance);
    }

    public void Dispose() => _handler.Dispose();

    [Fact]
    public async Task Update_network_interface_sends_name_fingerprint_and_the_full_alias_list()
    {
        _handler.Answer = """{"name":"operation-1","status":"PENDING","zone":"https://x/projects/p/zones/us-central1-a"}""";
        var update = new NetworkInterfaceUpdate("nic0", "fp==", [new AliasIpRange("10.8.1.0/24", "gke-pods"), new AliasIpRange("172.20.1.0/24", "cocoon-pods")]);

        var operation = await _client.UpdateNetworkInterfaceAsync(new InstanceRef("p", "us-central1-a", "vm-1"), update, "req-1", default);

        Assert.Equal("PATCH", _handler.Method);
        Assert.Equal("http://compute.test/compute/v1/projects/p/zones/us-central1-a/instances/vm-1/updateNetworkInterface?networkInterface=nic0&requestId=req-1", _handler.Uri);
        Assert.Equal("Bearer tok-123", _handler.Authorization);
        Assert.Equal(
            """{"name":"nic0","fingerprint":"fp==","aliasIpRanges":[{"ipCidrRange":"10.8.1.0/24","subnetworkRangeName":"gke-pods"},{"ipCidrRange":"172.20.1.0/24","subnetworkRangeName":"cocoon-pods"}]}""",
            _handler.Body);
        Assert.Equal("operation-1", operation.Name);
    }

    [Fact]
    public async Task Removing_the_last_alias_sends_an_empty_list_not_nothing()
    {
        _handler.Answer = """{"name":"operation-1","status":"DONE"}""";
        await _client.UpdateNetworkInterfaceAsync(new InstanceRef("p", "z-a", "vm"), new NetworkInterfaceUpdate("nic0", "fp", []), "r", default);
        Assert.Equal("""{"name":"nic0","fingerprint":"fp","aliasIpRanges":[]}""", _handler.Body);
    }

    [Fact]
    public async Task Subnetwork_patch_sends_the_fingerprint_and_every_range()
    {
        _handler.Answer = """{"name":"operation-2","status":"PENDING","region":"https://x/projects/p/regions/us-central1"}""";
        var patch = new SubnetworkPatch("sfp", [new SecondaryRange("gke-pods", "10.8.0.0/14"), new SecondaryRange("cocoon-pods", "172.20.0.0/16")]);

        await _client.PatchSubnetworkAsync(new SubnetworkRef("p", "us-central1", "nodes"), patch, "req-2", default);

        Assert.Equal("PATCH", _handler.Method);
        Assert.Equal("http://compute.test/compute/v1/projects/p/regions/us-central1/subnetworks/nodes?requestId=req-2", _handler.Uri);
        Assert.Equal(
            """{"fingerprint":"sfp","secondaryIpRanges":[{"rangeName":"gke-pods","ipCidrRange":"10.8.0.0/14"},{"rangeName":"cocoon-pods","ipCidrRange":"172.20.0.0/16"}]}""",
            _handler.Body);
    }

    [Fact]
    public async Task Operations_are_waited_on_in_their_own_zone_or_region()
    {
        _handler.Answer = """{"name":"op","status":"DONE"}""";
        await _client.WaitOperationAsync("p", new Operation("op-z", "RUNNING", Zone: "https://x/compute/v1/projects/p/zones/europe-west4-b"), default);
        Assert.Equal(("POST", "http://compute.test/compute/v1/projects/p/zones/europe-west4-b/operations/op-z/wait"), (_handler.Method, _handler.Uri));
        await _client.WaitOperationAsync("p", new Operation("op-r", "PENDING", Region: "https://x/compute/v1/projects/p/regions/europe-west4"), default);
        Assert.Equal("http://compute.test/compute/v1/projects/p/regions/europe-west4/operations/op-r/wait", _handler.Uri);
    }

    [Fact]
    public async Task Google_error_envelopes_become_named_errors_with_status_and_reason()
    {
        _handler.Status = HttpStatusCode.PreconditionFailed;
        _handler.Answer = """{"error":{"code":412,"message":"Supplied fingerprint does not match","errors":[{"reason":"conditionNotMet","message":"x"}]}}""";

        var error = await Assert.ThrowsAsync<ComputeApiException>(() => _client.GetInstanceAsync(new InstanceRef("p", "z-a", "vm"), default));

        Assert.True(error.IsFingerprintConflict);
        Assert.Equal("conditionNotMet", error.Reason);
        Assert.Equal("get instance vm (project p, zone z-a): HTTP 412 conditionNotMet: Supplied fingerprint does not match", error.Message);
    }

    [Fact]
    public async Task A_permission_error_says_which_role_to_grant()
    {
        _handler.Status = HttpStatusCode.Forbidden;
        _handler.Answer = """{"error":{"code":403,"message":"Required 'compute.subnetworks.update' permission","errors":[{"reason":"forbidden"}]}}""";

        var error = await Assert.ThrowsAsync<ComputeApiException>(() => _client.GetSubnetworkAsync(new SubnetworkRef("p", "r", "s"), default));

        Assert.Equal("get subnetwork s (project p, region r): HTTP 403 forbidden: Required 'compute.subnetworks.update' permission; "
            + "grant the service account roles/compute.networkAdmin (see docs/gke.md)", error.Message);
        Assert.False(ComputeRetry.IsTransient(error));
    }

    [Fact]
    public async Task Operation_errors_after_done_fail_the_wait()
    {
        _handler.Answer = """{"name":"op","status":"DONE","error":{"errors":[{"code":"QUOTA_EXCEEDED","message":"Quota exceeded"}]}}""";
        var waiter = new OperationWaiter(_client, new ComputeRetry(TimeProvider.System, NullLogger<ComputeRetry>.Instance), new ComputeTimings(), TimeProvider.System,
            NullLogger<OperationWaiter>.Instance);

        var error = await Assert.ThrowsAsync<OperationFailedException>(() =>
            waiter.WaitAsync("p", new Operation("op", "PENDING", Zone: "zones/z-a"), "add alias", default));

        Assert.Equal("add alias: operation op failed: QUOTA_EXCEEDED: Quota exceeded", error.Message);
    }

    private sealed class CapturingHandler : HttpMessageHandler
    {
        public HttpStatusCode Status { get; set; } = HttpStatusCode.OK;

        public string Answer { get; set; } = "{}";

        public string? Method { get; private set; }

        public string? Uri { get; private set; }

        public string? Authorization { get; private set; }

        public string? Body { get; private set; }

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Method = request.Method.Method;
            Uri = request.RequestUri!.ToString();
            Authorization = request.Headers.Authorization?.ToString();
            Body = request.Content is null ? null : JsonSerializer.Serialize(JsonDocument.Parse(await request.Content.ReadAsStringAsync(cancellationToken)).RootElement);
            return new HttpResponseMessage(Status) { Content = new StringContent(Answer, System.Text.Encoding.UTF8, "application/json") };
        }
    }
}
