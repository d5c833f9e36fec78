using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging;
using Polly;
using Polly.Retry;

namespace CocoonNet.Providers.Gke.Compute;

/// <summary>
/// The Compute API's retry pipeline (Polly): transient failures (429, 5xx, rate-limit 403s, timeouts,
/// dropped connections) are retried with jittered exponential backoff, honouring Retry-After, bounded in
/// attempts and total time. Anything else fails at once: retrying a 400 or a permission error only delays
/// the message the operator needs. Delays run on the injected <see cref="TimeProvider"/>.
/// </summary>
internal sealed partial class ComputeRetry
{
    private static readonly ResiliencePropertyKey<string> What = new("cocoon-net.gke.what");
    private static readonly ResiliencePropertyKey<long> Started = new("cocoon-net.gke.started");
    private static readonly ResiliencePropertyKey<TimeSpan> NextDelay = new("cocoon-net.gke.delay");

    private readonly TimeProvider _time;
    private readonly ILogger<ComputeRetry> _logger;
    private readonly Lazy<ResiliencePipeline> _pipeline;

    public ComputeRetry(TimeProvider time, ILogger<ComputeRetry> logger)
    {
        _time = time;
        _logger = logger;
        _pipeline = new Lazy<ResiliencePipeline>(Build);
    }

    public int MaxAttempts { get; init; } = 6;

    public TimeSpan BaseDelay { get; init; } = TimeSpan.FromMilliseconds(500);

    public TimeSpan MaxDelay { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>No retry starts once this much time has passed since the first attempt.</summary>
    public TimeSpan Budget { get; init; } = TimeSpan.FromSeconds(90);

    public Func<double> Jitter { get; init; } = Random.Shared.NextDouble;

    /// <summary>GCE's transient failures; see the class summary.</summary>
    public static bool IsTransient(Exception exception) => exception switch
    {
        ComputeApiException api => api.StatusCode == HttpStatusCode.TooManyRequests
            || ((int)api.StatusCode >= 500 && api.StatusCode != HttpStatusCode.NotImplemented)
            || (api.StatusCode == HttpStatusCode.Forbidden && api.Reason is "rateLimitExceeded" or "userRateLimitExceeded")
            || IsBusy(api),
        ComputeTimeoutException => true,
        HttpRequestException { StatusCode: null } http => http.InnerException is SocketException or IOException or null,
        _ => false,
    };

    /// <summary>
    /// GCE's "busy, try again" answers, as terraform-provider-google retries them for every request
    /// (google/transport/error_retry_predicates.go, defaultErrorRetryPredicates): 400 <c>resourceNotReady</c>
    /// on a subnetwork just changed (isSubnetworkUnreadyError); 403 with an ErrorInfo reason
    /// <c>CONCURRENT_OPERATIONS_QUOTA_EXCEEDED</c> (is403ConcurrentOperationsQuotaError); 403 "Quota exceeded for
    /// quota metric '…' and limit '… per minute'" (is403QuotaExceededPerMinuteError: GCE's rate limit with the
    /// wrong status); 409 <c>operationInProgress</c> (is409OperationInProgressError). Nodes running init together
    /// against the shared subnetwork meet these.
    /// </summary>
    private static bool IsBusy(ComputeApiException api) => api.StatusCode switch
    {
        HttpStatusCode.BadRequest => api.Reason == "resourceNotReady",
        HttpStatusCode.Forbidden => api.ErrorInfoReason == "CONCURRENT_OPERATIONS_QUOTA_EXCEEDED"
            || api.Reason == "CONCURRENT_OPERATIONS_QUOTA_EXCEEDED"
            || PerMinuteQuota().IsMatch(api.ApiMessage),
        HttpStatusCode.Conflict => api.Reason == "operationInProgress",
        _ => false,
    };

    [GeneratedRegex(@"Quota exceeded for quota metric '.*' and limit '.* per minute'", RegexOptions.CultureInvariant)]
    private static partial Regex PerMinuteQuota();

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

    /// <summary>
    /// Runs <paramref name="action"/> through the pipeline. A transient failure that outlasts the attempts or
    /// the budget is reported as one message naming <paramref name="what"/>, the attempts and the time spent.
    /// </summary>
    public async Task<T> ExecuteAsync<T>(string what, Func<CancellationToken, Task<T>> action, CancellationToken cancellationToken)
    {
        var context = ResilienceContextPool.Shared.Get(cancellationToken);
        var started = _time.GetTimestamp();
        context.Properties.Set(What, what);
        context.Properties.Set(Started, started);
        var attempts = 0;
        try
        {
            return await _pipeline.Value.ExecuteAsync(async ctx =>
            {
                attempts++;
                return await action(ctx.CancellationToken).ConfigureAwait(false);
            }, context).ConfigureAwait(false);
        }
        catch (Exception e) when (IsTransient(e) && !cancellationToken.IsCancellationRequested)
        {
            throw new GkeException(
                $"{what}: still failing after {attempts} attempts in {_time.GetElapsedTime(started).TotalSeconds:0} s: {e.Message}", e);
        }
        finally
        {
            ResilienceContextPool.Shared.Return(context);
        }
    }

    private ResiliencePipeline Build() =>
        new ResiliencePipelineBuilder { TimeProvider = _time }
            .AddRetry(new RetryStrategyOptions
            {
                MaxRetryAttempts = Math.Max(0, MaxAttempts - 1),
                // The delay is decided here, where the budget can still refuse the retry; DelayGenerator hands it on.
                ShouldHandle = args => ValueTask.FromResult(ShouldRetry(args.Outcome.Exception, args.AttemptNumber + 1, args.Context)),
                DelayGenerator = args => ValueTask.FromResult<TimeSpan?>(args.Context.Properties.GetValue(NextDelay, BaseDelay)),
                OnRetry = args =>
                {
                    _logger.Retrying(args.Context.Properties.GetValue(What, "compute call"), args.AttemptNumber + 1, args.RetryDelay.TotalMilliseconds,
                        args.Outcome.Exception?.Message ?? "");
                    return default;
                },
            })
            .Build();

    private bool ShouldRetry(Exception? error, int retry, ResilienceContext context)
    {
        if (error is null || !IsTransient(error) || context.CancellationToken.IsCancellationRequested)
        {
            return false;
        }

        var delay = Backoff(retry, Jitter());
        if (error is ComputeApiException { RetryAfter: { } retryAfter } && retryAfter > delay)
        {
            delay = retryAfter < MaxDelay ? retryAfter : MaxDelay;
        }

        if (_time.GetElapsedTime(context.Properties.GetValue(Started, _time.GetTimestamp())) + delay > Budget)
        {
            return false;
        }

        context.Properties.Set(NextDelay, delay);
        return true;
    }
}
