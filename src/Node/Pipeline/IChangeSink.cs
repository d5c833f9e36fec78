namespace CocoonNet.Node.Pipeline;

/// <summary>
/// Where a run's change lines go: each line as it happens, and the summary at the end. The engine decides what
/// is said and when; the sink only how it looks (the command's console, a log).
/// </summary>
internal interface IChangeSink
{
    /// <summary>A change made, a note or a failure of <paramref name="step"/>, as it happens.</summary>
    void Line(string step, string text);

    /// <summary>
    /// The end of a run: on a dry run <paramref name="plans"/> is the whole plan; after a real run, what was not
    /// shown as it happened. <paramref name="changed"/> is false when the run had nothing to change.
    /// </summary>
    void Summary(IReadOnlyList<StepPlan> plans, bool changed, bool dryRun);
}
