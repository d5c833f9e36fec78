using Microsoft.Extensions.Logging;

namespace CocoonNet.Providers.Gke.Compute;

/// <summary>
/// Waits for a Compute operation to reach DONE, then checks <c>error.errors</c>: DONE alone does not
/// mean the change was made. A wait call that comes back RUNNING (GCE holds it up to 2 minutes) is simply
/// re-issued until the operation's own deadline: an operation that takes long has not failed.
/// </summary>
internal sealed partial class OperationWaiter(
    ComputeClient compute, ComputeRetry retry, ComputeTimings timings, TimeProvider time, ILogger<OperationWaiter> logger)
{
    /// <summary>A wait longer than this says what it waits for, and again at most this often: silence reads as a hang.</summary>
    public static readonly TimeSpan ProgressInterval = TimeSpan.FromSeconds(5);

    public async Task<Operation> WaitAsync(string project, Operation operation, string what, CancellationToken cancellationToken)
    {
        var started = time.GetTimestamp();
        var pause = TimeSpan.FromMilliseconds(100);
        var reported = TimeSpan.Zero;
        while (!operation.IsDone)
        {
            var waited = time.GetElapsedTime(started);
            if (waited - reported >= ProgressInterval)
            {
                reported = waited;
                LogProgress(logger, what, operation.Name, operation.Status, waited.TotalSeconds);
            }

            if (time.GetElapsedTime(started) > timings.OperationDeadline)
            {
                throw new GkeException(
                    $"{what}: operation {operation.Name} still {operation.Status} after {timings.OperationDeadline.TotalMinutes:0.#} min; check it with 'gcloud compute operations describe {operation.Name}' and re-run");
            }

            logger.OperationPending(operation.Name, operation.Status);
            var current = operation;
            operation = await retry.ExecuteAsync($"{what}: wait for operation {operation.Name}",
                ct => compute.WaitOperationAsync(project, current, ct), cancellationToken).ConfigureAwait(false);
            if (!operation.IsDone)
            {
                // wait may return early (even at once): don't spin.
                await Task.Delay(pause, time, cancellationToken).ConfigureAwait(false);
                pause = TimeSpan.FromMilliseconds(Math.Min(pause.TotalMilliseconds * 2, 2000));
            }
        }

        if (operation.Errors.Count > 0)
        {
            throw new OperationFailedException(what, operation);
        }

        if (logger.IsEnabled(LogLevel.Debug))
        {
            logger.OperationDone(operation.Name, time.GetElapsedTime(started).TotalMilliseconds);
        }
        return operation;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "waiting for {What}: operation {Name} is {Status}, 0/1 done ({Seconds:0} s)")]
    private static partial void LogProgress(ILogger logger, string what, string name, string status, double seconds);
}
