using System.Net;
using System.Net.Sockets;
using CocoonNet.Providers.Gke;
using CocoonNet.Providers.Gke.Compute;
using Microsoft.Extensions.Logging.Abstractions;

namespace CocoonNet.Gke.Tests.Unit;

public sealed class ComputeRetryTests
{
    private static ComputeApiException Api(HttpStatusCode status, string? reason = null) => new("call", status, reason, "message", null);

    [Theory]
    [InlineData(HttpStatusCode.TooManyRequests, null, true)]
    [InlineData(HttpStatusCode.InternalServerError, null, true)]
    [InlineData(HttpStatusCode.BadGateway, null, true)]
    [InlineData(HttpStatusCode.ServiceUnavailable, null, true)]
    [InlineData(HttpStatusCode.GatewayTimeout, null, true)]
    [InlineData(HttpStatusCode.Forbidden, "rateLimitExceeded", true)]
    [InlineData(HttpStatusCode.Forbidden, "userRateLimitExceeded", true)]
    [InlineData(HttpStatusCode.NotImplemented, null, false)]
    [InlineData(HttpStatusCode.Forbidden, "forbidden", false)]
    [InlineData(HttpStatusCode.PreconditionFailed, "conditionNotMet", false)]
    [InlineData(HttpStatusCode.BadRequest, "invalid", false)]
    [InlineData(HttpStatusCode.NotFound, "notFound", false)]
    [InlineData(HttpStatusCode.Unauthorized, null, false)]
    public void Api_errors_are_classified(HttpStatusCode status, string? reason, bool transient) =>
        Assert.Equal(transient, ComputeRetry.IsTransient(Api(status, reason)));

    [Fact]
    public void Timeouts_and_dropped_connections_are_transient_other_failures_are_not()
    {
        Assert.True(ComputeRetry.IsTransient(new ComputeTimeoutException("call", TimeSpan.FromSeconds(1), null)));
        Assert.True(ComputeRetry.IsTransient(new HttpRequestException("reset", new SocketException((int)SocketError.ConnectionReset))));
        Assert.False(ComputeRetry.IsTransient(new GkeException("no credentials")));
        Assert.False(ComputeRetry.IsTransient(new InvalidOperationException()));
    }

    [Fact]
    public void Backoff_grows_exponentially_is_capped_and_jittered_within_half()
    {
        var policy = new ComputeRetry(TimeProvider.System, NullLogger<ComputeRetry>.Instance)
        {
            BaseDelay = TimeSpan.FromMilliseconds(500),
            MaxDelay = TimeSpan.FromSeconds(4),
        };
        Assert.Equal(TimeSpan.FromMilliseconds(250), policy.Backoff(1, 0));
        Assert.Equal(TimeSpan.FromMilliseconds(500), policy.Backoff(1, 1));
        Assert.Equal(TimeSpan.FromMilliseconds(2000), policy.Backoff(3, 1));
        Assert.Equal(TimeSpan.FromSeconds(4), policy.Backoff(10, 1));
        Assert.Equal(TimeSpan.FromSeconds(2), policy.Backoff(10, 0));
    }

    [Fact]
    public async Task Transient_failures_are_retried_then_succeed()
    {
        var policy = new ComputeRetry(TimeProvider.System, NullLogger<ComputeRetry>.Instance) { BaseDelay = TimeSpan.FromMilliseconds(1) };
        var calls = 0;
        var result = await policy.ExecuteAsync("op", _ => ++calls < 3 ? throw Api(HttpStatusCode.ServiceUnavailable) : Task.FromResult(42), default);
        Assert.Equal(42, result);
        Assert.Equal(3, calls);
    }

    [Fact]
    public async Task Permanent_failures_are_not_retried()
    {
        var policy = new ComputeRetry(TimeProvider.System, NullLogger<ComputeRetry>.Instance) { BaseDelay = TimeSpan.FromMilliseconds(1) };
        var calls = 0;
        await Assert.ThrowsAsync<ComputeApiException>(() =>
            policy.ExecuteAsync<int>("op", _ => { calls++; throw Api(HttpStatusCode.PreconditionFailed); }, default));
        Assert.Equal(1, calls);
    }

    [Fact]
    public async Task Retries_stop_at_the_attempt_bound_with_the_last_error()
    {
        var policy = new ComputeRetry(TimeProvider.System, NullLogger<ComputeRetry>.Instance) { BaseDelay = TimeSpan.FromMilliseconds(1), MaxAttempts = 4 };
        var calls = 0;
        var error = await Assert.ThrowsAsync<GkeException>(() =>
            policy.ExecuteAsync<int>("patch subnetwork x", _ => { calls++; throw Api(HttpStatusCode.TooManyRequests); }, default));
        Assert.Equal(4, calls);
        Assert.StartsWith("patch subnetwork x: still failing after 4 attempts", error.Message);
        Assert.Contains("HTTP 429", error.Message);
    }

    [Fact]
    public async Task Retry_after_is_honoured_up_to_the_cap_on_the_injected_clock()
    {
        var clock = new CocoonNet.Tests.Support.JumpingClock();
        var policy = new ComputeRetry(clock, NullLogger<ComputeRetry>.Instance) { Jitter = () => 0 };
        var calls = 0;
        var wall = System.Diagnostics.Stopwatch.StartNew();

        var result = await policy.ExecuteAsync("op", _ => ++calls < 3
            ? throw new ComputeApiException("call", HttpStatusCode.TooManyRequests, null, "slow down", TimeSpan.FromSeconds(30))
            : Task.FromResult(7), default);

        Assert.Equal(7, result);
        // Two waits, each Retry-After capped at MaxDelay (10 s), in virtual time only.
        Assert.Equal(TimeSpan.FromSeconds(20), clock.GetElapsedTime(0));
        Assert.True(wall.Elapsed < TimeSpan.FromSeconds(5), $"took {wall.Elapsed}");
    }

    [Fact]
    public async Task No_retry_starts_past_the_budget()
    {
        var clock = new CocoonNet.Tests.Support.JumpingClock();
        var policy = new ComputeRetry(clock, NullLogger<ComputeRetry>.Instance) { Jitter = () => 1, MaxAttempts = 100, Budget = TimeSpan.FromSeconds(25) };
        var calls = 0;

        var error = await Assert.ThrowsAsync<GkeException>(() =>
            policy.ExecuteAsync<int>("read x", _ => { calls++; throw Api(HttpStatusCode.BadGateway); }, default));

        // 0.5 + 1 + 2 + 4 + 8 = 15.5 s; the next 10 s would end past 25 s.
        Assert.Equal(6, calls);
        Assert.StartsWith("read x: still failing after 6 attempts in 16 s", error.Message);
    }
}
