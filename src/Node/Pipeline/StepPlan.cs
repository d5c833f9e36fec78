using CocoonNet.Node.State;

namespace CocoonNet.Node.Pipeline;

/// <summary>
/// What one step would change, computed from desired vs live state, as an ordered list of changes the
/// pipeline applies one at a time. An empty plan has no changes.
/// </summary>
internal sealed class StepPlan(string step)
{
    public StepPlan(HostStepId step)
        : this(step.Name)
    {
    }

    private readonly List<PlannedChange> _items = [];

    public string Step { get; } = step;

    /// <summary>The changes in the order they apply.</summary>
    public IReadOnlyList<PlannedChange> Items => _items;

    /// <summary>One line per change, prefixed <c>+</c> (create), <c>~</c> (change) or <c>-</c> (remove).</summary>
    public IReadOnlyList<string> Changes => _items.SelectMany(c => c.Lines).ToList();

    /// <summary>Facts worth showing that are not changes, e.g. "skipped".</summary>
    public List<string> Notes { get; } = [];

    /// <summary>What the plan shows: its changes, then its notes.</summary>
    public IEnumerable<string> Lines => Changes.Concat(Notes);

    public bool IsEmpty => _items.Count == 0;

    /// <summary>A line whose change happened elsewhere (cloud, plugin), shown for the record.</summary>
    public StepPlan Add(string line)
    {
        _items.Add(new PlannedChange([line], null, null));
        return this;
    }

    /// <summary>Changes a plugin made (or plans), shown for the record.</summary>
    public StepPlan AddChanges(IEnumerable<CocoonNet.Abstractions.PlanChange> changes)
    {
        foreach (var change in changes)
        {
            if (change.Kind == CocoonNet.Abstractions.ChangeKind.Info)
            {
                Notes.Add(change.ToString());
            }
            else
            {
                Add(change.ToString());
            }
        }

        return this;
    }

    /// <summary>
    /// A host change: <paramref name="claim"/> records in the footprint what the action may create (saved
    /// before the action runs), <paramref name="action"/> makes the change and records its outcome.
    /// </summary>
    public StepPlan Add(string line, Action<HostFootprint>? claim, Func<HostFootprint, CancellationToken, Task> action) =>
        Add([line], claim, action);

    /// <summary>Several lines made by one indivisible action (e.g. one iptables-restore transaction).</summary>
    public StepPlan Add(IReadOnlyList<string> lines, Action<HostFootprint>? claim, Func<HostFootprint, CancellationToken, Task> action)
    {
        _items.Add(new PlannedChange(lines, claim, action));
        return this;
    }

    /// <summary>A synchronous host change.</summary>
    public StepPlan Add(string line, Action<HostFootprint>? claim, Action<HostFootprint> action) =>
        Add([line], claim, (fp, _) =>
        {
            action(fp);
            return Task.CompletedTask;
        });

    /// <summary>Applies every change in order without checkpoints (unit tests; the pipeline applies them one by one).</summary>
    public async Task Apply(HostFootprint footprint, CancellationToken cancellationToken)
    {
        foreach (var change in _items)
        {
            change.Claim?.Invoke(footprint);
            if (change.Action is { } action)
            {
                await action(footprint, cancellationToken).ConfigureAwait(false);
            }
        }
    }
}

/// <summary>One change: its display lines, the ownership it claims beforehand, and the action.</summary>
internal sealed record PlannedChange(
    IReadOnlyList<string> Lines,
    Action<HostFootprint>? Claim,
    Func<HostFootprint, CancellationToken, Task>? Action);

/// <summary>One host-configuration concern (bridge, sysctl, routes, ...), planned then applied.</summary>
internal interface IHostStep
{
    /// <summary>Which step this is; its place in the plan is the id's.</summary>
    HostStepId Id { get; }

    /// <summary>
    /// Starts slow reads of live state (e.g. an external command) in the background when the run begins,
    /// so they overlap the steps before this one. Optional.
    /// </summary>
    void Prefetch(HostSpec spec, HostFootprint footprint)
    {
    }

    Task<StepPlan> PlanSetupAsync(HostSpec spec, HostFootprint footprint, CancellationToken cancellationToken);

    Task<StepPlan> PlanTeardownAsync(HostSpec spec, HostFootprint footprint, CancellationToken cancellationToken);
}
