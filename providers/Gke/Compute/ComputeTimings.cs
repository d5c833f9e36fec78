namespace CocoonNet.Providers.Gke.Compute;

/// <summary>
/// How long Compute calls and operations may take. Not user settings: one instance per plugin container,
/// which tests replace with short values to run GCE's long waits in little real time.
/// </summary>
internal sealed class ComputeTimings
{
    /// <summary>One ordinary call's limit.</summary>
    public TimeSpan AttemptTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// How long GCE may hold an operations.wait call: compute-api.json (zoneOperations.wait, regionOperations.wait)
    /// "Waits for the specified Operation resource to return as DONE or for the request to approach the 2 minute
    /// deadline ... then returns the current state of the operation, which might be DONE or still in progress".
    /// </summary>
    public TimeSpan WaitHold { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>A wait call's limit: the server's hold plus an ordinary call's time, so a held call is never cut off.</summary>
    public TimeSpan WaitAttemptTimeout => WaitHold + AttemptTimeout;

    /// <summary>How long one operation may stay PENDING/RUNNING, across as many wait calls as it takes.</summary>
    public TimeSpan OperationDeadline { get; init; } = TimeSpan.FromMinutes(10);
}
