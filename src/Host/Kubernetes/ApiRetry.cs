using System.Net;
using k8s.Autorest;
using Microsoft.Extensions.Logging;
using Polly;
using Polly.Retry;
using Polly.Timeout;

namespace CocoonNet.Host.Kubernetes;

/// <summary>
/// Retries of one Kubernetes API call: 429 (after its Retry-After, capped), 5xx and a refused or dropped
/// connection, with exponential backoff and jitter; each attempt has its own timeout. Conflicts and other 4xx are
/// answers, not failures: the caller decides.
/// </summary>
internal static class ApiRetry
{
    public static readonly TimeSpan AttemptTimeout = TimeSpan.FromSeconds(10);

    public static readonly TimeSpan MaxDelay = TimeSpan.FromSeconds(10);

    public static ResiliencePipeline Build(TimeProvider time, ILogger logger, int attempts = 5) =>
        new ResiliencePipelineBuilder { TimeProvider = time }
            .AddRetry(new RetryStrategyOptions
            {
                MaxRetryAttempts = attempts - 1,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = TimeSpan.FromMilliseconds(200),
                MaxDelay = MaxDelay,
                ShouldHandle = args => ValueTask.FromResult(!args.Context.CancellationToken.IsCancellationRequested && Transient(args.Outcome.Exception)),
                // 429 says when to come back (Retry-After, seconds): honoured up to MaxDelay; otherwise the backoff.
                DelayGenerator = args => ValueTask.FromResult(RetryAfter(args.Outcome.Exception)),
                OnRetry = args =>
                {
                    logger.ApiRetrying(args.AttemptNumber + 1, args.RetryDelay.TotalMilliseconds, args.Outcome.Exception?.Message ?? "");
                    return default;
                },
            })
            .AddTimeout(AttemptTimeout)
            .Build();

    public static HttpStatusCode? Status(Exception? e) => e is HttpOperationException { Response: { } response } ? response.StatusCode : null;

    private static bool Transient(Exception? e) => e switch
    {
        HttpOperationException => Status(e) is HttpStatusCode.TooManyRequests or >= HttpStatusCode.InternalServerError,
        HttpRequestException or TimeoutRejectedException or IOException => true,
        _ => false,
    };

    private static TimeSpan? RetryAfter(Exception? e)
    {
        if (e is HttpOperationException { Response: { StatusCode: HttpStatusCode.TooManyRequests } response }
            && response.Headers.TryGetValue("Retry-After", out var values)
            && int.TryParse(values.FirstOrDefault(), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var seconds))
        {
            var delay = TimeSpan.FromSeconds(seconds);
            return delay < MaxDelay ? delay : MaxDelay;
        }

        return null;
    }
}
