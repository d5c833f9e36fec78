using System.Net;
using CocoonNet.Abstractions;
using CocoonNet.Providers.Volcengine;
using CocoonNet.Providers.Volcengine.Api;
using CocoonNet.Providers.Volcengine.Credentials;
using CocoonNet.Providers.Volcengine.Metadata;
using CocoonNet.Providers.Volcengine.Provisioning;
using CocoonNet.Volcengine.Tests.Support;
using Microsoft.Extensions.Logging.Abstractions;
using NSubstitute;

namespace CocoonNet.Volcengine.Tests.Unit;

/// <summary>Contract 2.2: a cloud the plugin cannot ask is <c>Reachable = false</c> with no drift, never an exception or drift.</summary>
public sealed class NodeStatusReachabilityTests
{
    [Fact]
    public async Task A_metadata_service_that_fails_makes_the_status_unreachable_with_no_drift()
    {
        var environment = Substitute.For<IEnvironmentReader>();
        environment.Get(Arg.Any<string>()).Returns((string?)null);
        environment.Get("VOLCENGINE_ACCESS_KEY").Returns("AKtest");
        environment.Get("VOLCENGINE_SECRET_KEY").Returns("SKtest");
        environment.Get("VOLCENGINE_REGION").Returns("cn-test");
        environment.Get("VOLCENGINE_ENDPOINT").Returns("http://127.0.0.1:1");
        var settings = VolcengineSettings.From(environment, FakePluginSettings.None);
        using var http = new HttpClient(new Failing());
        var metadata = new MetadataClient(http, settings);
        using var session = new ApiSession(new CredentialResolver(environment), metadata);
        var client = new OpenApiClient(http, settings, session,
            new OpenApiRetry(TimeProvider.System, NullLogger<OpenApiRetry>.Instance) { BaseDelay = TimeSpan.FromMilliseconds(1) },
            new RequestPacer(TimeProvider.System, 1000), TimeProvider.System);

        var status = await new NodeStatus(new VpcApi(client), metadata, session)
            .GetAsync(CloudResources.None.WithList(CloudResources.EniIdsKey, ["eni-1"]), default);

        Assert.False(status.Reachable);
        Assert.Empty(status.Drift);
        Assert.Contains(status.Fields, f => f.Label == "Cloud" && f.Value.StartsWith("unavailable: ", StringComparison.Ordinal));
    }

    private sealed class Failing : HttpMessageHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
            Task.FromResult(new HttpResponseMessage(HttpStatusCode.InternalServerError) { Content = new StringContent("down") });
    }
}
