using System.Net;
using CocoonNet.Providers.Volcengine;
using CocoonNet.Providers.Volcengine.Api;
using CocoonNet.Providers.Volcengine.Credentials;
using CocoonNet.Providers.Volcengine.Metadata;
using CocoonNet.Providers.Volcengine.Provisioning;
using CocoonNet.Tests.Support;
using CocoonNet.Volcengine.Tests.Support;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using NSubstitute;

namespace CocoonNet.Volcengine.Tests.Unit;

/// <summary>
/// The wait for the VPC after CreateSubnet (terraform-provider-volcengine's ExtraRefresh on the
/// VPC: DescribeVpcs with VpcIds.1 until Status is Available, failing on Error).
/// </summary>
public sealed class VpcAvailableWaitUnitTests
{
    [Fact]
    public async Task Polls_DescribeVpcs_by_id_until_the_vpc_is_available_and_says_so_while_it_waits()
    {
        var cloud = new VpcStatuses(_ => "Pending", after: 40);
        var log = new ListLogger<StatusWaiter>();

        await Waiter(cloud, log).VpcAvailableAsync("vpc-1", default).WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(41, cloud.Polls);
        Assert.All(cloud.Queries, q => Assert.Contains("Action=DescribeVpcs", q));
        Assert.All(cloud.Queries, q => Assert.Contains("VpcIds.1=vpc-1", q));
        Assert.Contains(log.Lines, l => l.Level == LogLevel.Information
            && l.Message.StartsWith("waiting for VPC vpc-1 to become Available after the subnet change: still Pending", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_vpc_in_status_Error_fails_the_wait_at_once()
    {
        var cloud = new VpcStatuses(_ => "Error", after: int.MaxValue);

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => Waiter(cloud, new ListLogger<StatusWaiter>()).VpcAvailableAsync("vpc-1", default));

        Assert.Equal(1, cloud.Polls);
        Assert.Contains("VPC vpc-1 is in status Error", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_vpc_that_stays_busy_times_out_with_what_to_do()
    {
        var cloud = new VpcStatuses(_ => "Pending", after: int.MaxValue);

        var error = await Assert.ThrowsAsync<TimeoutException>(() => Waiter(cloud, new ListLogger<StatusWaiter>()).VpcAvailableAsync("vpc-1", default))
            .WaitAsync(TimeSpan.FromSeconds(60));

        Assert.Contains("VPC vpc-1 is still Pending after 180 s", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Credentials_without_DescribeVpcs_warn_and_go_on()
    {
        var cloud = new VpcStatuses(_ => "", after: int.MaxValue) { Denied = true };
        var log = new ListLogger<StatusWaiter>();

        await Waiter(cloud, log).VpcAvailableAsync("vpc-1", default).WaitAsync(TimeSpan.FromSeconds(30));

        var warning = Assert.Single(log.Lines, l => l.Level == LogLevel.Warning);
        Assert.Contains("grant vpc:DescribeVpcs", warning.Message, StringComparison.Ordinal);
    }

    private static StatusWaiter Waiter(HttpMessageHandler handler, ILogger<StatusWaiter> log)
    {
        var clock = new JumpingClock();
        var api = new VpcApi(Client(handler));
        return new StatusWaiter(api, new EniStatusBoard(api, Settings(), clock, NullLogger<EniStatusBoard>.Instance), Settings(), clock, log);
    }

    private static VolcengineSettings Settings() => VolcengineSettings.From(Environment(), FakePluginSettings.None);

    private static IEnvironmentReader Environment()
    {
        var environment = Substitute.For<IEnvironmentReader>();
        environment.Get(Arg.Any<string>()).Returns((string?)null);
        environment.Get("VOLCENGINE_ACCESS_KEY").Returns("AKtest");
        environment.Get("VOLCENGINE_SECRET_KEY").Returns("SKtest");
        environment.Get("VOLCENGINE_REGION").Returns("cn-test");
        environment.Get("VOLCENGINE_ENDPOINT").Returns("http://127.0.0.1:1");
        return environment;
    }

    private static OpenApiClient Client(HttpMessageHandler handler)
    {
        var environment = Environment();
        var settings = VolcengineSettings.From(environment, FakePluginSettings.None);
        var http = new HttpClient(handler);
        return new OpenApiClient(http, settings, new ApiSession(new CredentialResolver(environment), new MetadataClient(http, settings)),
            new OpenApiRetry(TimeProvider.System, NullLogger<OpenApiRetry>.Instance) { BaseDelay = TimeSpan.FromMilliseconds(1) },
            new RequestPacer(TimeProvider.System, 1000), TimeProvider.System);
    }

    /// <summary>DescribeVpcs: the VPC has status(poll) until poll <c>after</c>, then Available; or AccessDenied.</summary>
    private sealed class VpcStatuses(Func<int, string> status, int after) : HttpMessageHandler
    {
        private int _polls;

        public int Polls => _polls;

        public List<string> Queries { get; } = [];

        public bool Denied { get; init; }

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var poll = Interlocked.Increment(ref _polls);
            lock (Queries)
            {
                Queries.Add(Uri.UnescapeDataString(request.RequestUri!.Query));
            }

            if (Denied)
            {
                return Task.FromResult(new HttpResponseMessage(HttpStatusCode.Forbidden)
                {
                    Content = new StringContent("""{"ResponseMetadata":{"Error":{"Code":"AccessDenied","Message":"no vpc:DescribeVpcs"}}}"""),
                });
            }

            var now = poll > after ? "Available" : status(poll);
            var body = $$$"""{"ResponseMetadata":{},"Result":{"TotalCount":1,"Vpcs":[{"VpcId":"vpc-1","Status":"{{{now}}}"}]}}""";
            return Task.FromResult(new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent(body) });
        }
    }
}
