namespace CocoonNet.Host.Pipeline;

/// <summary>
/// What one step would change, computed from desired vs live state, and how to apply exactly that.
/// An empty plan has no changes and its apply is never called.
/// </summary>
internal sealed class StepPlan(string step)
{
    public string Step { get; } = step;

    /// <summary>One line per change, prefixed <c>+</c> (create), <c>~</c> (change) or <c>-</c> (remove).</summary>
    public List<string> Changes { get; } = [];

    /// <summary>Facts worth showing that are not changes, e.g. "skipped".</summary>
    public List<string> Notes { get; } = [];

    public Func<HostFootprint, CancellationToken, Task> Apply { get; set; } = (_, _) => Task.CompletedTask;

    public bool IsEmpty => Changes.Count == 0;

    public StepPlan Add(string change)
    {
        Changes.Add(change);
        return this;
    }
}

/// <summary>One host-configuration concern (bridge, sysctl, routes, ...), planned then applied.</summary>
internal interface IHostStep
{
    string Name { get; }

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
