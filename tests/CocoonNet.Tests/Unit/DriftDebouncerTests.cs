using CocoonNet.Host.Agent;
using CocoonNet.Host.Agent.Drift;

namespace CocoonNet.Tests.Unit;

public sealed class DriftDebouncerTests
{
    private static readonly TimeSpan T0 = TimeSpan.FromHours(1);

    private static DriftObservation Route(string ip, bool drifted) => new($"route {ip}/32", "route", RepairScope.Routes, drifted);

    [Fact]
    public void A_burst_is_due_a_quiet_period_after_its_last_event_but_no_later_than_the_cap_after_its_first()
    {
        var debouncer = new DriftDebouncer(TimeSpan.FromMilliseconds(5), TimeSpan.FromMilliseconds(20));
        Assert.Null(debouncer.DueAt);

        debouncer.Observe(Route("172.20.0.2", true), T0);
        Assert.Equal(T0 + TimeSpan.FromMilliseconds(5), debouncer.DueAt);
        debouncer.Observe(Route("172.20.0.3", true), T0 + TimeSpan.FromMilliseconds(4));
        Assert.Equal(T0 + TimeSpan.FromMilliseconds(9), debouncer.DueAt);
        for (var ms = 8; ms <= 24; ms += 4)
        {
            debouncer.Observe(Route($"172.20.0.{ms}", true), T0 + TimeSpan.FromMilliseconds(ms));
        }

        Assert.Equal(T0 + TimeSpan.FromMilliseconds(20), debouncer.DueAt);
        Assert.Equal(7, debouncer.Take().Count);
        Assert.Null(debouncer.DueAt);
    }

    [Fact]
    public void A_later_observation_of_the_same_object_wins_so_a_repair_seen_in_the_burst_leaves_nothing()
    {
        var debouncer = new DriftDebouncer(TimeSpan.FromMilliseconds(5), TimeSpan.FromMilliseconds(20));
        debouncer.Observe(Route("172.20.0.2", true), T0);
        debouncer.Observe(Route("172.20.0.3", true), T0);
        debouncer.Observe(Route("172.20.0.2", false), T0 + TimeSpan.FromMilliseconds(1));

        Assert.Equal([Route("172.20.0.3", true)], debouncer.Take());

        debouncer.Observe(Route("172.20.0.2", false), T0 + TimeSpan.FromMilliseconds(10));
        Assert.NotNull(debouncer.DueAt);
        Assert.Empty(debouncer.Take());
    }
}
