using Microsoft.Extensions.Logging;
using Polly;
using Polly.Retry;

namespace CocoonNet.Providers.Volcengine.Api;

/// <summary>
/// The OpenAPI's retry pipeline (Polly): errors <see cref="ApiErrorClassifier.IsRetryable"/> calls
/// retryable (throttling, 5xx, timeouts) get another attempt after a jittered exponential backoff. Each delay
/// is drawn from [cap/2, cap] with cap = min(MaxDelay, BaseDelay * 2^(attempt-1)): spread enough that
/// concurrent ENI workers do not retry in lockstep, never shorter than half the cap. Delays run on the
/// injected <see cref="TimeProvider"/>.
/// </summary>
internal sealed partial class OpenApiRetry
{
    private static readonly ResiliencePropertyKey<string> Action = new("cocoon-net.volcengine.action");
    private static readonly ResiliencePropertyKey<string> Target = new("cocoon-net.volcengine.target");

    private readonly TimeProvider _time;
    private readonly ILogger<OpenApiRetry> _logger;
    private readonly Random _random;
    private readonly Lazy<ResiliencePipeline> _pipeline;

    public OpenApiRetry(TimeProvider time, ILogger<OpenApiRetry> logger)
        : this(time, logger, null)
    {
    }

    public OpenApiRetry(TimeProvider time, ILogger<OpenApiRetry> logger, Random? random)
    {
        _time = time;
        _logger = logger;
        _random = random ?? Random.Shared;
        _pipeline = new Lazy<ResiliencePipeline>(Build);
    }

    public int MaxAttempts { get; init; } = 10;

    public TimeSpan BaseDelay { get; init; } = TimeSpan.FromMilliseconds(200);

    public TimeSpan MaxDelay { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>The delay before attempt <paramref name="attempt"/> + 1, or null when attempts are used up or the error is final.</summary>
    public TimeSpan? DelayAfter(int attempt, VolcengineApiException error) =>
        attempt >= MaxAttempts || !ApiErrorClassifier.IsRetryable(error.Code, error.HttpStatus) ? null : Backoff(attempt);

    /// <summary>Runs one call (<paramref name="action"/> of the API, about <paramref name="target"/>) through the pipeline.</summary>
    public async Task<T> ExecuteAsync<T>(string action, string? target, Func<CancellationToken, Task<T>> call, CancellationToken cancellationToken)
    {
        var context = ResilienceContextPool.Shared.Get(cancellationToken);
        context.Properties.Set(Action, action);
        context.Properties.Set(Target, target ?? "");
        try
        {
            return await _pipeline.Value.ExecuteAsync(async ctx => await call(ctx.CancellationToken).ConfigureAwait(false), context).ConfigureAwait(false);
        }
        finally
        {
            ResilienceContextPool.Shared.Return(context);
        }
    }

    private TimeSpan Backoff(int attempt)
    {
        var cap = Math.Min(MaxDelay.TotalMilliseconds, BaseDelay.TotalMilliseconds * Math.Pow(2, attempt - 1));
        double jitter;
        lock (_random)
        {
            jitter = _random.NextDouble();
        }

        return TimeSpan.FromMilliseconds(cap / 2 + jitter * cap / 2);
    }

    private ResiliencePipeline Build() =>
        new ResiliencePipelineBuilder { TimeProvider = _time }
            .AddRetry(new RetryStrategyOptions
            {
                MaxRetryAttempts = Math.Max(0, MaxAttempts - 1),
                ShouldHandle = args => ValueTask.FromResult(
                    args.Outcome.Exception is VolcengineApiException e && ApiErrorClassifier.IsRetryable(e.Code, e.HttpStatus)
                    && !args.Context.CancellationToken.IsCancellationRequested),
                DelayGenerator = args => ValueTask.FromResult<TimeSpan?>(Backoff(args.AttemptNumber + 1)),
                OnRetry = args =>
                {
                    if (_logger.IsEnabled(LogLevel.Debug))
                    {
                        var action = args.Context.Properties.GetValue(Action, "");
                        var target = args.Context.Properties.GetValue(Target, "");
                        var code = (args.Outcome.Exception as VolcengineApiException)?.Code ?? "";
                        LogRetry(action, target, code, args.AttemptNumber + 1, (int)args.RetryDelay.TotalMilliseconds);
                    }

                    return default;
                },
            })
            .Build();

    [LoggerMessage(Level = LogLevel.Debug, Message = "{Action} {Target}: {Code}, attempt {Attempt}; retrying in {DelayMs} ms")]
    private partial void LogRetry(string action, string target, string code, int attempt, int delayMs);
}
