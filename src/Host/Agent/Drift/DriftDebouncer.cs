namespace CocoonNet.Host.Agent.Drift;

/// <summary>
/// Gathers the observations of a burst of kernel events into one batch: due <see cref="Quiet"/> after the last
/// event, but never later than <see cref="Cap"/> after the first, so a steady stream of events cannot hold a
/// repair back. A later observation of the same object replaces an earlier one (a route deleted, then re-added,
/// needs nothing). Pure: the caller supplies the (monotonic) clock.
/// <para>
/// The agent waits for no quiet interval (<see cref="DefaultQuiet"/> is zero): the first event is repaired at once,
/// and what arrives while that repair runs is gathered by the reconcile queue into the next one.
/// </para>
/// </summary>
internal sealed class DriftDebouncer(TimeSpan quiet, TimeSpan cap)
{
    public static readonly TimeSpan DefaultQuiet = TimeSpan.Zero;
    public static readonly TimeSpan DefaultCap = TimeSpan.FromMilliseconds(20);

    private readonly Dictionary<string, DriftObservation> _pending = new(StringComparer.Ordinal);
    private TimeSpan _first;
    private TimeSpan _last;

    public TimeSpan Quiet { get; } = quiet;

    public TimeSpan Cap { get; } = cap;

    /// <summary>When the pending burst is due; null when nothing is pending.</summary>
    public TimeSpan? DueAt
    {
        get
        {
            if (_pending.Count == 0)
            {
                return null;
            }

            var quietEnd = _last + Quiet;
            var capEnd = _first + Cap;
            return quietEnd < capEnd ? quietEnd : capEnd;
        }
    }

    public void Observe(DriftObservation observation, TimeSpan now)
    {
        if (_pending.Count == 0)
        {
            _first = now;
        }

        _last = now;
        _pending[observation.Key] = observation;
    }

    /// <summary>The objects still drifted at the end of the burst (possibly none); clears the burst.</summary>
    public IReadOnlyList<DriftObservation> Take()
    {
        var drifted = _pending.Values.Where(o => o.Drifted).ToList();
        _pending.Clear();
        return drifted;
    }
}
