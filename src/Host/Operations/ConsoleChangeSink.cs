using CocoonNet.Node.Pipeline;

namespace CocoonNet.Host.Operations;

/// <summary>
/// Change lines on the command's stdout, in columns: the step's name padded to nine, then the line
/// (<c>bridge    + create bridge cni0</c>); a dry run's plan under <c>plan:</c>, indented.
/// </summary>
internal sealed class ConsoleChangeSink(ConsoleOutput output) : IChangeSink
{
    public void Line(string step, string text) => output.Line($"{step,-9} {text}");

    public void Summary(IReadOnlyList<StepPlan> plans, bool changed, bool dryRun)
    {
        if (dryRun)
        {
            output.Line("plan:");
        }

        foreach (var plan in plans)
        {
            foreach (var line in plan.Lines)
            {
                output.Line($"{(dryRun ? "  " : "")}{plan.Step,-9} {line}");
            }
        }

        if (!changed)
        {
            output.Line(dryRun ? "  no changes: the host already matches" : "no changes: the host already matches");
        }
    }
}
