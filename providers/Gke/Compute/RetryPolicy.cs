using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;

namespace CocoonNet.Providers.Gke.Compute;

/// <summary>
/// Retries transient Compute API failures (429, 5xx, rate-limit 403s, timeouts, dropped connections) with
/// jittered exponential backoff, bounded in attempts and total time. Anything else fails at once: retrying
/// a 400 or a permission error only delays the message the operator needs.
/// </summary>
internal sealed class RetryPolicy(TimeProvider time, ILogger<RetryPolicy> logger)
{
    public int MaxAttempts { get; init; } = 6;

    public TimeSpan BaseDelay { get; init; } = TimeSpan.FromMilliseconds(500);

    public TimeSpan MaxDelay { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>No retry starts once this much time has passed since the first attempt.</summary>
    public TimeSpan Budget { get; init; } = TimeSpan.FromSeconds(90);

    public Func<double> Jitter { get; init; } = Random.Shared.NextDouble;

    public static bool IsTransient(Exception exception) => exception switch
    {
        ComputeApiException api => api.StatusCode == HttpStatusCode.TooManyRequests
            || ((int)api.StatusCode >= 500 && api.StatusCode != HttpStatusCode.NotImplemented)
            || (api.StatusCode == HttpStatusCode.Forbidden && api.Reason is "rateLimitExceeded" or "userRateLimitExceeded"),
        ComputeTimeoutException => true,
        HttpRequestException { StatusCode: null } http => http.InnerException is SocketException or IOException or null,
        _ => false,
    };

    /// <summary>
    /// The delay before retry number <paramref name="retry"/> (1-based): exponential, capped, with "equal
    /// jitter" (half fixed, half random) so that nodes retrying together spread out but never retry at once.
    /// </summary>
    public TimeSpan Backoff(int retry, double jitter)
    {
        var exponential = BaseDelay.TotalMilliseconds * Math.Pow(2, retry - 1);
        var capped = Math.Min(exponential, MaxDelay.TotalMilliseconds);
        return TimeSpan.FromMilliseconds(capped / 2 + capped / 2 * Math.Clamp(jitter, 0, 1));
    }

    public async Task<T> ExecuteAsync<T>(string what, Func<CancellationToken, Task<T>> action, CancellationToken cancellationToken)
    {
        var started = time.GetTimestamp();
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await action(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (IsTransient(e) && !cancellationToken.IsCancellationRequested)
            {
                var delay = Backoff(attempt, Jitter());
                if (e is ComputeApiException { RetryAfter: { } retryAfter } && retryAfter > delay)
                {
                    delay = retryAfter < MaxDelay ? retryAfter : MaxDelay;
                }

                if (attempt >= MaxAttempts || time.GetElapsedTime(started) + delay > Budget)
                {
                    throw new GkeException(
                        $"{what}: still failing after {attempt} attempts in {time.GetElapsedTime(started).TotalSeconds:0} s: {e.Message}", e);
                }

                logger.Retrying(what, attempt, delay.TotalMilliseconds, e.Message);
                await Task.Delay(delay, time, cancellationToken).ConfigureAwait(false);
            }
        }
    }
}
