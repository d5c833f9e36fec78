namespace CocoonNet.Host.Agent.Drift;

/// <summary>
/// The monotonic clock of a <see cref="TimeProvider"/>, as a time since an arbitrary origin. Debouncing and flap
/// holds measure intervals with it, never with the wall clock: a node's clock is stepped at boot (NTP's first sync,
/// often after the agent started), and a step back of an hour must not hold a repair for an hour.
/// </summary>
internal static class MonotonicTime
{
    public static TimeSpan Now(TimeProvider time) => time.GetElapsedTime(0);

    /// <summary>A monotonic instant as wall-clock time, for people (status, logs).</summary>
    public static DateTimeOffset ToWall(TimeProvider time, TimeSpan instant) => time.GetUtcNow() + (instant - Now(time));
}
