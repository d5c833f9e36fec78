using Microsoft.Extensions.Time.Testing;

namespace CocoonNet.Tests.Support;

/// <summary>
/// Fake time that jumps forward by each delay as it is scheduled: code that waits on a <see cref="TimeProvider"/>
/// for minutes runs in no real time, and sees the time it waited. A plain <see cref="FakeTimeProvider"/> only moves
/// when the test advances it, which a wait loop under test cannot. The timer then fires on the thread pool, as a
/// real one would, never inside the call that set it.
/// </summary>
internal sealed class JumpingClock() : FakeTimeProvider(DateTimeOffset.UnixEpoch)
{
    /// <summary>Time since the clock was made: a test reads how long the code under test waited.</summary>
    public override long GetTimestamp() => (GetUtcNow() - Start).Ticks;

    public override long TimestampFrequency => TimeSpan.TicksPerSecond;

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

            clock.Advance(dueTime);
            return inner.Change(TimeSpan.Zero, Timeout.InfiniteTimeSpan);
        }

        public void Dispose() => inner.Dispose();

        public ValueTask DisposeAsync() => inner.DisposeAsync();
    }
}
