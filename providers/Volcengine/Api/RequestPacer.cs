namespace CocoonNet.Providers.Volcengine.Api;

/// <summary>
/// A client-side rate limit: request starts are spaced at least 1/<c>perSecond</c> apart across all
/// concurrent workers, so a burst of ENI operations stays under the account's flow limit instead of
/// provoking throttling and backoff.
/// </summary>
internal sealed class RequestPacer(TimeProvider time, double perSecond)
{
    private readonly TimeSpan _interval = TimeSpan.FromSeconds(1 / perSecond);
    private readonly Lock _lock = new();
    private DateTimeOffset _next = DateTimeOffset.MinValue;

    public Task WaitAsync(CancellationToken cancellationToken)
    {
        DateTimeOffset slot;
        var now = time.GetUtcNow();
        lock (_lock)
        {
            slot = _next > now ? _next : now;
            _next = slot + _interval;
        }

        var wait = slot - now;
        return wait <= TimeSpan.Zero ? Task.CompletedTask : Task.Delay(wait, time, cancellationToken);
    }
}
