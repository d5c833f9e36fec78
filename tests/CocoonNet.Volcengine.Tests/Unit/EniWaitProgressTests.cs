using CocoonNet.Volcengine.Tests.Support;
using CocoonNet.Tests.Support;
using System.Net;
using CocoonNet.Providers.Volcengine;
using CocoonNet.Providers.Volcengine.Api;
using CocoonNet.Providers.Volcengine.Credentials;
using CocoonNet.Providers.Volcengine.Metadata;
using CocoonNet.Providers.Volcengine.Provisioning;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using NSubstitute;

namespace CocoonNet.Volcengine.Tests.Unit;

/// <summary>ENIs that take their time: the wait says what it waits for and how many are done, at most every 5 s.</summary>
public sealed class EniWaitProgressTests
{
    [Fact]
    public async Task Seven_slow_enis_report_how_many_are_done()
    {
        var clock = new JumpingClock();
        var log = new ListLogger<EniStatusBoard>();
        // ENI n reaches InUse on poll 4n: the last of seven after 28 polls of 250 ms (7 s of virtual time).
        var board = new EniStatusBoard(new VpcApi(Client(new Statuses(7))), Settings(), clock, log);

        var waits = Enumerable.Range(1, 7).Select(i => board.WaitAsync($"eni-{i}", "InUse", e => e.Status == "InUse", wantsGone: false, default)).ToList();
        var enis = await Task.WhenAll(waits).WaitAsync(TimeSpan.FromSeconds(30));

        Assert.All(enis, e => Assert.Equal("InUse", e!.Status));
        var progress = log.Lines.Where(l => l.Level == LogLevel.Information).Select(l => l.Message).ToList();
        var line = Assert.Single(progress);
        Assert.Matches(@"^waiting for 7 ENI\(s\) to reach InUse: [1-6]/7 done \(5 s\)$", line);
    }

    [Fact]
    public async Task A_quick_wait_says_nothing()
    {
        var log = new ListLogger<EniStatusBoard>();
        var board = new EniStatusBoard(new VpcApi(Client(new Statuses(1))), Settings(), new JumpingClock(), log);

        await board.WaitAsync("eni-1", "InUse", e => e.Status == "InUse", wantsGone: false, default).WaitAsync(TimeSpan.FromSeconds(30));

        Assert.DoesNotContain(log.Lines, l => l.Level == LogLevel.Information);
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

    /// <summary>DescribeNetworkInterfaces: eni-n is Attaching until poll 4n, then InUse.</summary>
    private sealed class Statuses(int count) : HttpMessageHandler
    {
        private int _polls;

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var poll = Interlocked.Increment(ref _polls);
            var items = Enumerable.Range(1, count).Select(i => $$"""{"NetworkInterfaceId":"eni-{{i}}","Status":"{{(poll >= 4 * i ? "InUse" : "Attaching")}}"}""");
            var body = $$$"""{"ResponseMetadata":{},"Result":{"TotalCount":{{{count}}},"NetworkInterfaceSets":[{{{string.Join(',', items)}}}]}}""";
            return Task.FromResult(new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent(body) });
        }
    }
}
