using CocoonNet.Volcengine.Tests.Support;
using System.Net;
using CocoonNet.Abstractions;
using CocoonNet.Providers.Volcengine;
using CocoonNet.Providers.Volcengine.Api;
using CocoonNet.Providers.Volcengine.Credentials;
using CocoonNet.Providers.Volcengine.Metadata;
using CocoonNet.Providers.Volcengine.Provisioning;
using Microsoft.Extensions.Logging.Abstractions;
using NSubstitute;

namespace CocoonNet.Volcengine.Tests.Unit;

/// <summary>The client against a stub transport: what goes on the wire, and what it does with the answers.</summary>
public sealed class OpenApiClientTests
{
    private readonly List<HttpRequestMessage> _sent = [];
    private readonly Queue<(HttpStatusCode Status, string Body)> _answers = new();

    [Fact]
    public async Task The_query_on_the_wire_is_exactly_the_signed_canonical_query()
    {
        _answers.Enqueue((HttpStatusCode.OK, """{"ResponseMetadata":{"RequestId":"r"},"Result":{"Subnets":[],"TotalCount":0}}"""));
        await Client().CallAsync("vpc", "DescribeSubnets", new QueryParameters().Add("VpcId", "vpc-1").AddTagFilters([new("cocoon-net:node", "a b")]),
            VpcJsonContext.Default.DescribeSubnetsResult, null, CancellationToken.None);

        var request = Assert.Single(_sent);
        Assert.Equal("Action=DescribeSubnets&TagFilters.1.Key=cocoon-net%3Anode&TagFilters.1.Values.1=a%20b&Version=2020-04-01&VpcId=vpc-1",
            request.RequestUri!.Query.TrimStart('?'));
        Assert.Equal("/", request.RequestUri.AbsolutePath);
        var authorization = request.Headers.GetValues("Authorization").Single();
        Assert.StartsWith("HMAC-SHA256 Credential=AKtest/", authorization);
        Assert.Contains("/cn-test/vpc/request, SignedHeaders=host;x-content-sha256;x-date;x-security-token, Signature=", authorization);
        Assert.Equal("STS-token", request.Headers.GetValues("X-Security-Token").Single());
        Assert.DoesNotContain("SKtest", request.ToString());
    }

    [Fact]
    public async Task Throttling_and_5xx_are_retried_with_the_same_client_token()
    {
        _answers.Enqueue((HttpStatusCode.OK, """{"ResponseMetadata":{"Error":{"Code":"FlowLimitExceeded","Message":"slow"}}}"""));
        _answers.Enqueue((HttpStatusCode.ServiceUnavailable, "<html>busy</html>"));
        _answers.Enqueue((HttpStatusCode.OK, """{"ResponseMetadata":{},"Result":{"NetworkInterfaceId":"eni-9"}}"""));
        var api = new VpcApi(Client());
        var id = await api.CreateNetworkInterfaceAsync("subnet-1", "sg-1", "n1-eni-1", OwnershipTags.ForCreate("n1", "tok-1"), 20, "tok-1", CancellationToken.None);

        Assert.Equal("eni-9", id);
        Assert.Equal(3, _sent.Count);
        Assert.All(_sent, r => Assert.Contains("ClientToken=tok-1", r.RequestUri!.Query));
    }

    [Fact]
    public async Task A_limit_error_is_not_retried()
    {
        _answers.Enqueue((HttpStatusCode.BadRequest, """{"ResponseMetadata":{"Error":{"Code":"LimitExceeded.EnisPerInstance","Message":"max 8"}}}"""));
        var error = await Assert.ThrowsAsync<VolcengineApiException>(() =>
            new VpcApi(Client()).AttachNetworkInterfaceAsync("i-1", "eni-1", CancellationToken.None));
        Assert.Single(_sent);
        Assert.StartsWith("AttachNetworkInterface eni-1: LimitExceeded.EnisPerInstance: max 8", error.Message);
    }

    [Fact]
    public async Task A_missing_eni_reads_as_null()
    {
        _answers.Enqueue((HttpStatusCode.NotFound, """{"ResponseMetadata":{"Error":{"Code":"InvalidEniId.NotFound","Message":"gone"}}}"""));
        Assert.Null(await new VpcApi(Client()).DescribeNetworkInterfaceAsync("eni-1", CancellationToken.None));
    }

    [Fact]
    public async Task Pages_are_followed_until_the_total_is_reached()
    {
        string Page(int from, int count) =>
            $$$"""{"ResponseMetadata":{},"Result":{"TotalCount":150,"NetworkInterfaceSets":[{{{string.Join(',', Enumerable.Range(from, count).Select(i => $$"""{"NetworkInterfaceId":"eni-{{i}}"}"""))}}}]}}""";
        _answers.Enqueue((HttpStatusCode.OK, Page(0, 100)));
        _answers.Enqueue((HttpStatusCode.OK, Page(100, 50)));
        var all = await new VpcApi(Client()).DescribeNetworkInterfacesAsync(new QueryParameters().Add("InstanceId", "i-1"), CancellationToken.None);
        Assert.Equal(150, all.Count);
        Assert.Contains("PageNumber=2", _sent[1].RequestUri!.Query);
    }

    [Fact]
    public async Task The_record_round_trips_through_cloud_resources()
    {
        var checkpoint = Substitute.For<IProvisionCheckpoint>();
        var record = new ProvisionRecord(CloudResources.None);
        record.SetPendingEnis(new Dictionary<string, string> { ["n1-eni-2"] = "t2", ["n1-eni-1"] = "t1" });
        record.SetSubnet("subnet-1", created: true);
        record.SetEni("eni-1", "02:EE:00:00:00:01", ["10.0.0.5", "10.0.0.6"]);
        record.RemovePendingEni("n1-eni-1");
        await record.SaveAsync(checkpoint, CancellationToken.None);

        // subnetID and eniIDs under the keys pool.json writes at its top level (upstream's names).
        await checkpoint.Received(1).SaveAsync(Arg.Is<CloudResources>(r =>
            r.Value("subnetID") == "subnet-1" && r.List("eniIDs").SequenceEqual(new[] { "eni-1" })
            && r.Value("eni.eni-1.mac") == "02:ee:00:00:00:01" && r.Value("eni.eni-1.ips") == "10.0.0.5,10.0.0.6"
            && r.Value("pendingEniClientTokens") == "n1-eni-2=t2" && r.Value("subnetCreated") == "true"), Arg.Any<CancellationToken>());
        var again = new ProvisionRecord(record.Snapshot());
        Assert.Equal("t2", again.PendingEnis["n1-eni-2"]);
        Assert.True(again.SubnetCreated);
        Assert.Equal(record.Snapshot(), again.Snapshot());
    }

    [Fact]
    public async Task Retries_wait_on_the_injected_clock()
    {
        // Ten throttled answers would cost seconds of real backoff; a jumping clock makes them instant.
        for (var i = 0; i < 9; i++)
        {
            _answers.Enqueue((HttpStatusCode.OK, """{"ResponseMetadata":{"Error":{"Code":"FlowLimitExceeded","Message":"slow"}}}"""));
        }

        _answers.Enqueue((HttpStatusCode.OK, """{"ResponseMetadata":{},"Result":{"NetworkInterfaceId":"eni-9"}}"""));
        var clock = new CocoonNet.Tests.Support.JumpingClock();
        var started = System.Diagnostics.Stopwatch.StartNew();
        var id = await new VpcApi(Client(clock, new OpenApiRetry(clock, NullLogger<OpenApiRetry>.Instance))).CreateNetworkInterfaceAsync(
            "subnet-1", "sg-1", "n1-eni-1", OwnershipTags.ForCreate("n1", "tok-1"), 20, "tok-1", CancellationToken.None);

        Assert.Equal("eni-9", id);
        Assert.Equal(10, _sent.Count);
        Assert.True(started.Elapsed < TimeSpan.FromSeconds(5), $"took {started.Elapsed}");
    }

    private OpenApiClient Client() =>
        Client(TimeProvider.System, new OpenApiRetry(TimeProvider.System, NullLogger<OpenApiRetry>.Instance) { BaseDelay = TimeSpan.FromMilliseconds(1) });

    private OpenApiClient Client(TimeProvider time, OpenApiRetry retry)
    {
        var environment = Substitute.For<IEnvironmentReader>();
        environment.Get(Arg.Any<string>()).Returns((string?)null);
        environment.Get("VOLCENGINE_ACCESS_KEY").Returns("AKtest");
        environment.Get("VOLCENGINE_SECRET_KEY").Returns("SKtest");
        environment.Get("VOLCENGINE_SESSION_TOKEN").Returns("STS-token");
        environment.Get("VOLCENGINE_REGION").Returns("cn-test");
        environment.Get("VOLCENGINE_ENDPOINT").Returns("http://127.0.0.1:1");
        var settings = VolcengineSettings.From(environment, FakePluginSettings.None);
        var http = new HttpClient(new StubHandler(this));
        return new OpenApiClient(http, settings, new ApiSession(new CredentialResolver(environment), new MetadataClient(http, settings)),
            retry, new RequestPacer(time, 1000), time);
    }

    private sealed class StubHandler(OpenApiClientTests test) : HttpMessageHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            test._sent.Add(request);
            var (status, body) = test._answers.Dequeue();
            return Task.FromResult(new HttpResponseMessage(status) { Content = new StringContent(body) });
        }
    }
}
