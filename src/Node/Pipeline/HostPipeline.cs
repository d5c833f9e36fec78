using System.Diagnostics;
using Microsoft.Extensions.Logging;

using CocoonNet.Node.Text;

namespace CocoonNet.Node.Pipeline;

/// <summary>
/// Runs the host steps in order (teardown: in reverse). Each step is planned against live state right
/// before it applies, then its changes apply one at a time: the change's ownership claim goes into the
/// footprint and is checkpointed (pool.json, fsync'd) before the action, the outcome after it, and the
/// change's lines are printed as soon as it is done. A kill at any instant therefore leaves a footprint
/// that covers everything that may exist. Setup stops at the first failure; teardown carries on and
/// reports every failure, so one stuck object never keeps the rest in place.
/// </summary>
internal sealed partial class HostPipeline(IEnumerable<IHostStep> steps, ConsoleOutput output, ILogger<HostPipeline> logger)
{
    private readonly IReadOnlyList<IHostStep> _steps = steps.ToList();

    /// <summary>Plans and applies the steps <paramref name="only"/> names (all of them when null), in order.</summary>
    public async Task<IReadOnlyList<StepPlan>> SetupAsync(
        HostSpec spec, HostFootprint footprint, bool dryRun, Func<CancellationToken, Task> checkpoint, CancellationToken cancellationToken,
        StepSelection? only = null) =>
        (await RunAsync(only is null ? _steps : _steps.Where(s => only.Includes(s.Name)).ToList(), spec, (s, ct) => s.PlanSetupAsync(spec, footprint, ct), footprint, dryRun, bestEffort: false, checkpoint, cancellationToken)
            .ConfigureAwait(false)).Plans;

    /// <summary>Removes what the footprint owns, best effort: failures are collected, not thrown.</summary>
    public Task<PipelineResult> TeardownAsync(
        HostSpec spec, HostFootprint footprint, bool dryRun, Func<CancellationToken, Task> checkpoint, CancellationToken cancellationToken) =>
        RunAsync(_steps.Reverse().ToList(), spec, (s, ct) => s.PlanTeardownAsync(spec, footprint, ct), footprint, dryRun, bestEffort: true, checkpoint, cancellationToken);

    private async Task<PipelineResult> RunAsync(
        IReadOnlyList<IHostStep> ordered,
        HostSpec spec,
        Func<IHostStep, CancellationToken, Task<StepPlan>> plan,
        HostFootprint footprint,
        bool dryRun,
        bool bestEffort,
        Func<CancellationToken, Task> checkpoint,
        CancellationToken cancellationToken)
    {
        var plans = new List<StepPlan>(ordered.Count);
        var failures = new List<string>();
        foreach (var step in ordered)
        {
            step.Prefetch(spec, footprint);
        }

        // What pool.json holds now; a checkpoint is written only when the footprint moved away from it.
        var saved = footprint.Snapshot();
        async Task CheckpointIfChanged(CancellationToken ct)
        {
            if (footprint != saved)
            {
                await checkpoint(ct).ConfigureAwait(false);
                saved = footprint.Snapshot();
            }
        }

        foreach (var step in ordered)
        {
            var watch = Stopwatch.StartNew();
            StepPlan stepPlan;
            try
            {
                stepPlan = await plan(step, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (bestEffort && e is not OperationCanceledException)
            {
                Warn(step.Name, "could not check what to remove", e, failures);
                continue;
            }

            plans.Add(stepPlan);
            if (dryRun)
            {
                continue;
            }

            stepPlan.Printed = true;
            for (var i = 0; i < stepPlan.Items.Count; i++)
            {
                var change = stepPlan.Items[i];
                try
                {
                    change.Claim?.Invoke(footprint);
                    await CheckpointIfChanged(cancellationToken).ConfigureAwait(false);
                    CrashPoints.Reach($"{step.Name}/{i + 1}/before");
                    if (change.Action is { } action)
                    {
                        await action(footprint, cancellationToken).ConfigureAwait(false);
                    }

                    CrashPoints.Reach($"{step.Name}/{i + 1}/after");
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    await CheckpointIfChanged(CancellationToken.None).ConfigureAwait(false);
                    if (!bestEffort)
                    {
                        throw new StepFailedException(step.Name, e);
                    }

                    Warn(step.Name, string.Join("; ", change.Lines), e, failures);
                    continue;
                }

                foreach (var line in change.Lines)
                {
                    output.Line($"{step.Name,-9} {line}");
                }

                await CheckpointIfChanged(cancellationToken).ConfigureAwait(false);
            }

            foreach (var note in stepPlan.Notes)
            {
                output.Line($"{step.Name,-9} {note}");
            }

            LogStep(step.Name, new Counted(stepPlan.Items.Count, "change"), watch.Elapsed.TotalMilliseconds);
        }

        return new PipelineResult(plans, failures);
    }

    private void Warn(string step, string what, Exception e, List<string> failures)
    {
        var reason = e is StepFailedException { InnerException: { } inner } ? inner.Message : e.Message;
        var line = $"{what}: {reason}";
        failures.Add($"{step}: {line}");
        output.Line($"{step,-9} ! failed: {line}");
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "step {Step}: {Changes} in {Milliseconds:F2} ms")]
    private partial void LogStep(string step, Counted changes, double milliseconds);
}

/// <summary>The plans of a pipeline run and, for teardown, each change that failed (step: what: why).</summary>
internal sealed record PipelineResult(IReadOnlyList<StepPlan> Plans, IReadOnlyList<string> Failures);

/// <summary>A step failed while applying; the message names the step.</summary>
internal sealed class StepFailedException(string step, Exception inner) : Exception($"{step}: {inner.Message}", inner);
