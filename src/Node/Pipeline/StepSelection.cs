namespace CocoonNet.Node.Pipeline;

/// <summary>
/// Which parts of the one host plan a run applies, always in the plan's own order (<see cref="HostStepId"/>).
/// init and adopt run all of it; the agent repairs with a subset (its routes, its bridge, the backend's preparation).
/// </summary>
internal sealed class StepSelection
{
    private StepSelection(bool prepareHost, IReadOnlySet<HostStepId>? steps)
    {
        PrepareHost = prepareHost;
        Steps = steps;
    }

    public static StepSelection All { get; } = new(true, null);

    /// <summary>Only <paramref name="parts"/> (<see cref="HostStepId.Prepare"/> among them or not).</summary>
    public static StepSelection Only(params IEnumerable<HostStepId> parts)
    {
        var steps = parts.ToHashSet();
        return new(steps.Remove(HostStepId.Prepare), steps);
    }

    /// <summary>Whether the backend's host preparation runs.</summary>
    public bool PrepareHost { get; }

    /// <summary>The pipeline's steps that run; null: all of them.</summary>
    public IReadOnlySet<HostStepId>? Steps { get; }

    public bool Includes(HostStepId part) => part == HostStepId.Prepare ? PrepareHost : Steps is null || Steps.Contains(part);

    public override string ToString() =>
        Steps is null
            ? "all"
            : string.Join('+', (PrepareHost ? [HostStepId.Prepare.Name] : Array.Empty<string>()).Concat(Steps.Select(s => s.Name).Order(StringComparer.Ordinal)));
}
