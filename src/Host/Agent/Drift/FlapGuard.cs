using System.Collections.Concurrent;

namespace CocoonNet.Host.Agent.Drift;

/// <summary>
/// Keeps the agent from fighting another controller in a tight loop: more than <see cref="Limit"/> repairs of the
/// same object within <see cref="Window"/> puts that object on hold, first for <see cref="BaseBackoff"/>, doubling
/// each time it flaps again (up to <see cref="MaxBackoff"/>); when a hold ends, one repair goes ahead. An object
/// quiet for a whole window starts over.
/// <see cref="Holding"/> says which objects are held and until when (for status and metrics). Intervals are measured
/// on the monotonic clock (<see cref="MonotonicTime"/>): a wall clock stepped back never lengthens a hold.
/// </summary>
internal sealed class FlapGuard(TimeProvider time, int limit = 5, TimeSpan? window = null, TimeSpan? baseBackoff = null, TimeSpan? maxBackoff = null)
{
    private readonly Dictionary<string, History> _histories = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, TimeSpan> _holding = new(StringComparer.Ordinal);

    public int Limit { get; } = limit;

    public TimeSpan Window { get; } = window ?? TimeSpan.FromMinutes(1);

    public TimeSpan BaseBackoff { get; } = baseBackoff ?? TimeSpan.FromSeconds(10);

    public TimeSpan MaxBackoff { get; } = maxBackoff ?? TimeSpan.FromMinutes(10);

    /// <summary>Objects on hold now, with the (wall-clock) time their hold ends. Safe to read from any thread.</summary>
    public IReadOnlyDictionary<string, DateTimeOffset> Holding
    {
        get
        {
            var now = MonotonicTime.Now(time);
            var wall = time.GetUtcNow();
            return _holding.Where(h => h.Value > now).ToDictionary(h => h.Key, h => wall + (h.Value - now), StringComparer.Ordinal);
        }
    }

    /// <summary>
    /// Asks to repair <paramref name="key"/> now. True: go ahead (the repair is counted). False: the object is on
    /// hold until <paramref name="heldUntil"/> (a <see cref="MonotonicTime"/> instant); <paramref name="started"/> is true
    /// when this call put it on hold.
    /// </summary>
    public bool TryRepair(string key, out TimeSpan heldUntil, out bool started)
    {
        var now = MonotonicTime.Now(time);
        started = false;
        if (!_histories.TryGetValue(key, out var history))
        {
            history = new History();
            _histories[key] = history;
        }

        if (history.HeldUntil is { } until && until > now)
        {
            heldUntil = until;
            return false;
        }

        while (history.Repairs.Count > 0 && now - history.Repairs.Peek() >= Window)
        {
            history.Repairs.Dequeue();
        }

        if (history.Repairs.Count == 0 && (history.HeldUntil is not { } ended || now - ended >= Window))
        {
            history.Level = 0;
        }

        if (history.OnHold)
        {
            // The hold is over: one repair goes ahead; flapping again holds it twice as long.
            history.OnHold = false;
            history.Repairs.Enqueue(now);
            _holding.TryRemove(key, out _);
            heldUntil = default;
            return true;
        }

        if (history.Repairs.Count >= Limit)
        {
            var backoff = TimeSpan.FromTicks(Math.Min(MaxBackoff.Ticks, BaseBackoff.Ticks << Math.Min(history.Level, 20)));
            history.Level++;
            heldUntil = now + backoff;
            history.HeldUntil = heldUntil;
            history.OnHold = true;
            _holding[key] = heldUntil;
            started = true;
            return false;
        }

        history.Repairs.Enqueue(now);
        _holding.TryRemove(key, out _);
        heldUntil = default;
        return true;
    }

    private sealed class History
    {
        public Queue<TimeSpan> Repairs { get; } = new();

        public int Level { get; set; }

        /// <summary>When the last hold ended or ends; null before the first.</summary>
        public TimeSpan? HeldUntil { get; set; }

        public bool OnHold { get; set; }
    }
}
