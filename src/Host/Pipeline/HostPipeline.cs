using System.Diagnostics;
using Microsoft.Extensions.Logging;

namespace CocoonNet.Host.Pipeline;

/// <summary>
/// Runs the host steps in order: each is planned against live state, printed on a dry run, otherwise
/// applied. Teardown runs them in reverse. The checkpoint callback runs after every applied step and
/// when a step fails, so pool.json always records what exists.
/// </summary>
internal sealed partial class HostPipeline(IEnumerable<IHostStep> steps, ILogger<HostPipeline> logger)
{
    private readonly IReadOnlyList<IHostStep> _steps = steps.ToList();

    public Task<IReadOnlyList<StepPlan>> SetupAsync(
        HostSpec spec, HostFootprint footprint, bool dryRun, Func<CancellationToken, Task> checkpoint, CancellationToken cancellationToken) =>
        RunAsync(_steps, spec, (s, ct) => s.PlanSetupAsync(spec, footprint, ct), footprint, dryRun, checkpoint, cancellationToken);

    public Task<IReadOnlyList<StepPlan>> TeardownAsync(
        HostSpec spec, HostFootprint footprint, bool dryRun, Func<CancellationToken, Task> checkpoint, CancellationToken cancellationToken) =>
        RunAsync(_steps.Reverse().ToList(), spec, (s, ct) => s.PlanTeardownAsync(spec, footprint, ct), footprint, dryRun, checkpoint, cancellationToken);

    private async Task<IReadOnlyList<StepPlan>> RunAsync(
        IReadOnlyList<IHostStep> ordered,
        HostSpec spec,
        Func<IHostStep, CancellationToken, Task<StepPlan>> plan,
        HostFootprint footprint,
        bool dryRun,
        Func<CancellationToken, Task> checkpoint,
        CancellationToken cancellationToken)
    {
        var plans = new List<StepPlan>(ordered.Count);
        foreach (var step in ordered)
        {
            step.Prefetch(spec, footprint);
        }

        foreach (var step in ordered)
        {
            var watch = Stopwatch.StartNew();
            var stepPlan = await plan(step, cancellationToken).ConfigureAwait(false);
            plans.Add(stepPlan);
            if (!dryRun && !stepPlan.IsEmpty)
            {
                try
                {
                    await stepPlan.Apply(footprint, cancellationToken).ConfigureAwait(false);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    await checkpoint(CancellationToken.None).ConfigureAwait(false);
                    throw new StepFailedException(step.Name, e);
                }

                await checkpoint(cancellationToken).ConfigureAwait(false);
            }

            LogStep(step.Name, stepPlan.Changes.Count, watch.Elapsed.TotalMilliseconds);
        }

        return plans;
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "step {Step}: {Changes} change(s) in {Milliseconds:F2} ms")]
    private partial void LogStep(string step, int changes, double milliseconds);
}

/// <summary>A step failed while applying; the message names the step.</summary>
internal sealed class StepFailedException(string step, Exception inner) : Exception($"{step}: {inner.Message}", inner);
