using System.Diagnostics;
using Microsoft.Extensions.Logging;

using CocoonNet.Node.Text;

namespace CocoonNet.Node.Pipeline;

/// <summary>
/// Runs the host steps in the plan's order (<see cref="HostStepId"/>; teardown: the reverse). Each step is planned
/// against live state right before it applies, then its changes apply one at a time: the change's ownership claim
/// goes into the footprint and the checkpoint is told (pool.json, fsync'd, when the footprint moved) before the
/// action, the outcome after it, and the change's lines are reported as soon as it is done. A kill at any instant
/// therefore leaves a footprint that covers everything that may exist. Setup stops at the first failure; teardown
/// carries on and reports every failure, so one stuck object never keeps the rest in place.
/// </summary>
internal sealed partial class HostPipeline(IEnumerable<IHostStep> steps, IChangeSink sink, ILogger<HostPipeline> logger)
{
    private readonly IReadOnlyList<IHostStep> _steps = steps.OrderBy(s => s.Id.Order).ToList();

    /// <summary>Plans and applies the steps <paramref name="only"/> names (all of them when null), in order.</summary>
    public async Task<IReadOnlyList<StepPlan>> SetupAsync(
        HostSpec spec, FootprintCheckpoint checkpoint, bool dryRun, CancellationToken cancellationToken, StepSelection? only = null) =>
        (await RunAsync(only is null ? _steps : _steps.Where(s => only.Includes(s.Id)).ToList(), spec, (s, ct) => s.PlanSetupAsync(spec, checkpoint.Footprint, ct), checkpoint, dryRun, bestEffort: false, cancellationToken)
            .ConfigureAwait(false)).Plans;

    /// <summary>Removes what the footprint owns, best effort: failures are collected, not thrown.</summary>
    public Task<PipelineResult> TeardownAsync(HostSpec spec, FootprintCheckpoint checkpoint, bool dryRun, CancellationToken cancellationToken) =>
        RunAsync(_steps.Reverse().ToList(), spec, (s, ct) => s.PlanTeardownAsync(spec, checkpoint.Footprint, ct), checkpoint, dryRun, bestEffort: true, cancellationToken);

    private async Task<PipelineResult> RunAsync(
        IReadOnlyList<IHostStep> ordered,
        HostSpec spec,
        Func<IHostStep, CancellationToken, Task<StepPlan>> plan,
        FootprintCheckpoint checkpoint,
        bool dryRun,
        bool bestEffort,
        CancellationToken cancellationToken)
    {
        var plans = new List<StepPlan>(ordered.Count);
        var failures = new List<string>();
        var footprint = checkpoint.Footprint;
        foreach (var step in ordered)
        {
            step.Prefetch(spec, footprint);
        }

        foreach (var step in ordered)
        {
            var name = step.Id.Name;
            var watch = Stopwatch.StartNew();
            StepPlan stepPlan;
            try
            {
                stepPlan = await plan(step, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (bestEffort && e is not OperationCanceledException)
            {
                Warn(name, "could not check what to remove", e, failures);
                continue;
            }

            plans.Add(stepPlan);
            if (dryRun)
            {
                continue;
            }

            for (var i = 0; i < stepPlan.Items.Count; i++)
            {
                var change = stepPlan.Items[i];
                try
                {
                    change.Claim?.Invoke(footprint);
                    await checkpoint.SaveIfChangedAsync(cancellationToken).ConfigureAwait(false);
                    CrashPoints.Reach($"{name}/{i + 1}/before");
                    if (change.Action is { } action)
                    {
                        await action(footprint, cancellationToken).ConfigureAwait(false);
                    }

                    CrashPoints.Reach($"{name}/{i + 1}/after");
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    await checkpoint.SaveIfChangedAsync(CancellationToken.None).ConfigureAwait(false);
                    if (!bestEffort)
                    {
                        throw new StepFailedException(name, e);
                    }

                    Warn(name, string.Join("; ", change.Lines), e, failures);
                    continue;
                }

                foreach (var line in change.Lines)
                {
                    sink.Line(name, line);
                }

                await checkpoint.SaveIfChangedAsync(cancellationToken).ConfigureAwait(false);
            }

            foreach (var note in stepPlan.Notes)
            {
                sink.Line(name, note);
            }

            LogStep(name, new Counted(stepPlan.Items.Count, "change"), watch.Elapsed.TotalMilliseconds);
        }

        return new PipelineResult(plans, failures);
    }

    private void Warn(string step, string what, Exception e, List<string> failures)
    {
        var reason = e is StepFailedException { InnerException: { } inner } ? inner.Message : e.Message;
        var line = $"{what}: {reason}";
        failures.Add($"{step}: {line}");
        sink.Line(step, $"! failed: {line}");
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "step {Step}: {Changes} in {Milliseconds:F2} ms")]
    private partial void LogStep(string step, Counted changes, double milliseconds);
}

/// <summary>The plans of a pipeline run and, for teardown, each change that failed (step: what: why).</summary>
internal sealed record PipelineResult(IReadOnlyList<StepPlan> Plans, IReadOnlyList<string> Failures);

/// <summary>A step failed while applying; the message names the step.</summary>
internal sealed class StepFailedException(string step, Exception inner) : Exception($"{step}: {inner.Message}", inner);
