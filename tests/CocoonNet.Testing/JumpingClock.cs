namespace CocoonNet.Tests.Support;

/// <summary>
/// Virtual time that jumps forward by each delay as it is scheduled: code that waits on a
/// <see cref="TimeProvider"/> for minutes runs in no real time, and sees the time it waited.
/// (FakeTimeProvider only moves when a test advances it, which a wait loop under test cannot.)
/// </summary>
internal sealed class JumpingClock : TimeProvider
{
    private long _ticks;

    public override long TimestampFrequency => TimeSpan.TicksPerSecond;

    public override long GetTimestamp() => Interlocked.Read(ref _ticks);

    public override DateTimeOffset GetUtcNow() => DateTimeOffset.UnixEpoch.AddTicks(GetTimestamp());

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        var timer = new Jump(this, System.CreateTimer(callback, state, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan));
        timer.Change(dueTime, period);
        return timer;
    }

    private sealed class Jump(JumpingClock clock, ITimer inner) : ITimer
    {
        public bool Change(TimeSpan dueTime, TimeSpan period)
        {
            if (dueTime == Timeout.InfiniteTimeSpan)
            {
                return inner.Change(dueTime, Timeout.InfiniteTimeSpan);
            }

            Interlocked.Add(ref clock._ticks, dueTime.Ticks);
            return inner.Change(TimeSpan.Zero, Timeout.InfiniteTimeSpan);
        }

        public void Dispose() => inner.Dispose();

        public ValueTask DisposeAsync() => inner.DisposeAsync();
    }
}
