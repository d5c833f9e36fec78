namespace CocoonNet.Node.Pipeline;

/// <summary>
/// Which parts of the one host plan a run applies: the backend's host preparation and a subset of the steps
/// (by name, in the pipeline's own order). init and adopt run all of it; the agent repairs with a subset.
/// </summary>
internal sealed record StepSelection(bool PrepareHost, IReadOnlySet<string>? Steps)
{
    public static StepSelection All { get; } = new(true, null);

    public bool Includes(string step) => Steps is null || Steps.Contains(step);

    public override string ToString() =>
        Steps is null ? "all" : string.Join('+', (PrepareHost ? ["prepare"] : Array.Empty<string>()).Concat(Steps.Order(StringComparer.Ordinal)));
}
