namespace CocoonNet.Providers.Volcengine.Api;

/// <summary>
/// Jittered exponential backoff for retryable failures (throttling, 5xx, timeouts). Each delay is drawn
/// from [cap/2, cap] with cap = min(MaxDelay, BaseDelay * 2^(attempt-1)): spread enough that concurrent ENI
/// workers do not retry in lockstep, never shorter than half the cap.
/// </summary>
internal sealed class RetryPolicy(Random? random = null)
{
    private readonly Random _random = random ?? Random.Shared;

    public int MaxAttempts { get; init; } = 10;

    public TimeSpan BaseDelay { get; init; } = TimeSpan.FromMilliseconds(200);

    public TimeSpan MaxDelay { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>The delay before attempt <paramref name="attempt"/> + 1, or null when attempts are used up.</summary>
    public TimeSpan? DelayAfter(int attempt, VolcengineApiException error)
    {
        if (attempt >= MaxAttempts || !ApiErrorClassifier.IsRetryable(error.Code, error.HttpStatus))
        {
            return null;
        }

        var cap = Math.Min(MaxDelay.TotalMilliseconds, BaseDelay.TotalMilliseconds * Math.Pow(2, attempt - 1));
        double jitter;
        lock (_random)
        {
            jitter = _random.NextDouble();
        }

        return TimeSpan.FromMilliseconds(cap / 2 + jitter * cap / 2);
    }
}
