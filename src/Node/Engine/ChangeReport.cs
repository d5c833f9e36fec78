using CocoonNet.Node.Pipeline;

namespace CocoonNet.Node.Engine;

/// <summary>
/// The plans of one run, in order, and how each reaches the sink: a plan whose changes happened elsewhere (cloud,
/// plugin) is shown when it is done, the pipeline shows each change as it applies, and what happens to pool.json is
/// shown in the summary. A dry run shows nothing until the summary, which is then the whole plan.
/// </summary>
internal sealed class ChangeReport(IChangeSink sink, bool dryRun)
{
    private readonly List<StepPlan> _plans = [];
    private readonly List<StepPlan> _closing = [];

    public bool DryRun => dryRun;

    public IReadOnlyList<StepPlan> Plans => _plans;

    /// <summary>A plan whose changes already happened (or, on a dry run, would): shown now on a real run.</summary>
    public void Done(StepPlan plan)
    {
        _plans.Add(plan);
        if (!dryRun)
        {
            foreach (var line in plan.Lines)
            {
                sink.Line(plan.Step, line);
            }
        }
    }

    /// <summary>Plans the pipeline ran: it showed each line itself.</summary>
    public void Applied(IEnumerable<StepPlan> plans) => _plans.AddRange(plans);

    /// <summary>A plan shown in the summary, after everything else (what happens to pool.json).</summary>
    public void Closing(StepPlan plan)
    {
        _plans.Add(plan);
        _closing.Add(plan);
    }

    /// <summary>A line outside any plan (e.g. the agent stopped before a teardown), shown at once even on a dry run.</summary>
    public void Line(string step, string text) => sink.Line(step, text);

    /// <summary>The summary: a dry run's plan in full, else the closing lines; "no changes" when there were none.</summary>
    public void Summarize() => sink.Summary(dryRun ? _plans : _closing, _plans.Any(p => !p.IsEmpty), dryRun);
}
