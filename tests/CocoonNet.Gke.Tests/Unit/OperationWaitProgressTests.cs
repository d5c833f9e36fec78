using CocoonNet.Tests.Support;
using System.Net;
using CocoonNet.Providers.Gke;
using CocoonNet.Providers.Gke.Auth;
using CocoonNet.Providers.Gke.Compute;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using NSubstitute;

namespace CocoonNet.Gke.Tests.Unit;

/// <summary>A slow Compute operation says what it waits for, at most every 5 s, instead of leaving the run silent.</summary>
public sealed class OperationWaitProgressTests
{
    [Fact]
    public async Task A_long_wait_logs_what_it_waits_for_every_5_seconds_at_most()
    {
        using var handler = new RunningThenDone(runningPolls: 12);
        var tokens = Substitute.For<IAccessTokenSource>();
        tokens.GetAccessTokenAsync(Arg.Any<CancellationToken>()).Returns("tok");
        var client = new ComputeClient(new HttpClient(handler), tokens, Options.Create(new GkeOptions { ComputeEndpoint = "http://compute.test/compute/v1/" }),
            new ComputeTimings(), TimeProvider.System, NullLogger<ComputeClient>.Instance);
        var clock = new JumpingClock();
        var log = new ListLogger<OperationWaiter>();
        var waiter = new OperationWaiter(client, new ComputeRetry(clock, NullLogger<ComputeRetry>.Instance), new ComputeTimings(), clock, log);

        var done = await waiter.WaitAsync("p", new Operation("op", "PENDING", Zone: "zones/z-a"), "add alias", default).WaitAsync(TimeSpan.FromSeconds(30));

        Assert.True(done.IsDone);
        var progress = log.Lines.Where(l => l.Level == LogLevel.Information).Select(l => l.Message).ToList();
        Assert.True(progress.Count >= 2, string.Join('\n', progress));
        Assert.All(progress, line => Assert.StartsWith("waiting for add alias: operation op is RUNNING, 0/1 done (", line));
        var seconds = progress.Select(l => double.Parse(l.Split('(')[^1].Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture)).ToList();
        Assert.True(seconds[0] >= 5, string.Join('\n', progress));
        Assert.All(seconds.Zip(seconds.Skip(1)), pair => Assert.True(pair.Second - pair.First >= 5, string.Join('\n', progress)));
    }

    [Fact]
    public async Task A_short_wait_says_nothing()
    {
        using var handler = new RunningThenDone(runningPolls: 2);
        var tokens = Substitute.For<IAccessTokenSource>();
        tokens.GetAccessTokenAsync(Arg.Any<CancellationToken>()).Returns("tok");
        var client = new ComputeClient(new HttpClient(handler), tokens, Options.Create(new GkeOptions { ComputeEndpoint = "http://compute.test/compute/v1/" }),
            new ComputeTimings(), TimeProvider.System, NullLogger<ComputeClient>.Instance);
        var clock = new JumpingClock();
        var log = new ListLogger<OperationWaiter>();

        await new OperationWaiter(client, new ComputeRetry(clock, NullLogger<ComputeRetry>.Instance), new ComputeTimings(), clock, log)
            .WaitAsync("p", new Operation("op", "PENDING", Zone: "zones/z-a"), "add alias", default).WaitAsync(TimeSpan.FromSeconds(30));

        Assert.DoesNotContain(log.Lines, l => l.Level == LogLevel.Information);
    }

    [Fact]
    public async Task An_operation_that_never_finishes_is_given_up_only_after_the_ten_minute_deadline()
    {
        using var handler = new RunningThenDone(runningPolls: int.MaxValue);
        var tokens = Substitute.For<IAccessTokenSource>();
        tokens.GetAccessTokenAsync(Arg.Any<CancellationToken>()).Returns("tok");
        var client = new ComputeClient(new HttpClient(handler), tokens, Options.Create(new GkeOptions { ComputeEndpoint = "http://compute.test/compute/v1/" }),
            new ComputeTimings(), TimeProvider.System, NullLogger<ComputeClient>.Instance);
        var clock = new JumpingClock();
        var waiter = new OperationWaiter(client, new ComputeRetry(clock, NullLogger<ComputeRetry>.Instance), new ComputeTimings(), clock,
            NullLogger<OperationWaiter>.Instance);

        var error = await Assert.ThrowsAsync<GkeException>(() =>
            waiter.WaitAsync("p", new Operation("op", "PENDING", Zone: "zones/z-a"), "add alias", default).WaitAsync(TimeSpan.FromSeconds(60)));

        Assert.StartsWith("add alias: operation op still RUNNING after 10 min;", error.Message);
        Assert.True(clock.GetUtcNow() - DateTimeOffset.UnixEpoch >= TimeSpan.FromMinutes(10));
    }

    private sealed class RunningThenDone(int runningPolls) : HttpMessageHandler
    {
        private int _polls;

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var status = Interlocked.Increment(ref _polls) <= runningPolls ? "RUNNING" : "DONE";
            return Task.FromResult(new HttpResponseMessage(HttpStatusCode.OK)
            {
                Content = new StringContent($$"""{"name":"op","status":"{{status}}","zone":"zones/z-a"}""", System.Text.Encoding.UTF8, "application/json"),
            });
        }
    }
}
