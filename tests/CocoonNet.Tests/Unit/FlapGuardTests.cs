using CocoonNet.Host.Agent.Drift;
using Microsoft.Extensions.Time.Testing;

namespace CocoonNet.Tests.Unit;

public sealed class FlapGuardTests
{
    /// <summary>
    /// <see cref="Now"/> is the monotonic clock; the wall clock follows it, stepped by <see cref="WallStep"/> (as NTP
    /// steps it), which a plain <see cref="FakeTimeProvider"/> cannot do: it derives both from one instant.
    /// </summary>
    private sealed class ManualClock() : FakeTimeProvider(DateTimeOffset.UnixEpoch + TimeSpan.FromHours(1))
    {
        public TimeSpan Now
        {
            get => TimeSpan.FromTicks(GetTimestamp());
            set => Advance(value - Now);
        }

        public TimeSpan WallStep { get; set; }

        public override long TimestampFrequency => TimeSpan.TicksPerSecond;

        public override long GetTimestamp() => base.GetUtcNow().Ticks;

        public override DateTimeOffset GetUtcNow() => base.GetUtcNow() + WallStep;
    }

    [Fact]
    public void More_than_the_limit_of_repairs_in_a_minute_holds_the_object_with_a_doubling_backoff()
    {
        var clock = new ManualClock();
        var guard = new FlapGuard(clock, limit: 3, window: TimeSpan.FromMinutes(1), baseBackoff: TimeSpan.FromSeconds(10), maxBackoff: TimeSpan.FromSeconds(30));
        for (var i = 0; i < 3; i++)
        {
            Assert.True(guard.TryRepair("route 172.20.0.2/32", out _, out _));
            clock.Now += TimeSpan.FromSeconds(1);
        }

        Assert.False(guard.TryRepair("route 172.20.0.2/32", out var until, out var started));
        Assert.True(started);
        Assert.Equal(clock.Now + TimeSpan.FromSeconds(10), until);
        Assert.Equal(clock.GetUtcNow() + TimeSpan.FromSeconds(10), guard.Holding["route 172.20.0.2/32"]);
        Assert.True(guard.TryRepair("route 172.20.0.3/32", out _, out _));

        clock.Now += TimeSpan.FromSeconds(5);
        Assert.False(guard.TryRepair("route 172.20.0.2/32", out _, out started));
        Assert.False(started);

        // When the hold ends one repair goes ahead; still flapping within the minute: held again, twice as long.
        clock.Now = until;
        Assert.True(guard.TryRepair("route 172.20.0.2/32", out _, out _));
        Assert.Empty(guard.Holding);
        Assert.False(guard.TryRepair("route 172.20.0.2/32", out until, out started));
        Assert.True(started);
        Assert.Equal(clock.Now + TimeSpan.FromSeconds(20), until);

        clock.Now = until;
        Assert.True(guard.TryRepair("route 172.20.0.2/32", out _, out _));
        Assert.False(guard.TryRepair("route 172.20.0.2/32", out until, out _));
        Assert.Equal(clock.Now + TimeSpan.FromSeconds(30), until);
    }

    [Fact]
    public void An_object_quiet_for_a_window_starts_over()
    {
        var clock = new ManualClock();
        var guard = new FlapGuard(clock, limit: 2, window: TimeSpan.FromMinutes(1), baseBackoff: TimeSpan.FromSeconds(10));
        Assert.True(guard.TryRepair("bridge cni0 down", out _, out _));
        Assert.True(guard.TryRepair("bridge cni0 down", out _, out _));
        Assert.False(guard.TryRepair("bridge cni0 down", out var until, out _));

        clock.Now = until + TimeSpan.FromMinutes(2);
        Assert.Empty(guard.Holding);
        Assert.True(guard.TryRepair("bridge cni0 down", out _, out _));
        Assert.True(guard.TryRepair("bridge cni0 down", out _, out _));
        Assert.False(guard.TryRepair("bridge cni0 down", out until, out _));
        Assert.Equal(clock.Now + TimeSpan.FromSeconds(10), until);
    }

    [Fact]
    public void A_wall_clock_stepped_back_does_not_lengthen_a_hold()
    {
        var clock = new ManualClock();
        var guard = new FlapGuard(clock, limit: 1, window: TimeSpan.FromMinutes(1), baseBackoff: TimeSpan.FromSeconds(10));
        Assert.True(guard.TryRepair("route 172.20.0.2/32", out _, out _));
        Assert.False(guard.TryRepair("route 172.20.0.2/32", out _, out _));

        // NTP's first sync at boot steps the clock back an hour: the hold still ends 10 s after it started.
        clock.WallStep = -TimeSpan.FromHours(1);
        Assert.Equal(clock.GetUtcNow() + TimeSpan.FromSeconds(10), guard.Holding["route 172.20.0.2/32"]);
        clock.Now += TimeSpan.FromSeconds(10);
        Assert.Empty(guard.Holding);
        Assert.True(guard.TryRepair("route 172.20.0.2/32", out _, out _));
    }
}
