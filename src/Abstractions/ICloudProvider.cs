namespace CocoonNet.Abstractions;

/// <summary>
/// The cloud side of one platform: detection, provisioning of the node's VM addresses, live status and
/// teardown. It never touches the host's kernel; the shared host pipeline does that afterwards.
/// </summary>
public interface ICloudProvider
{
    /// <summary>The platform this provider serves, e.g. <c>gke</c>.</summary>
    string Platform { get; }

    /// <summary>
    /// True when this process runs on the provider's cloud. Must be cheap and honour
    /// <paramref name="cancellationToken"/>: the host runs every provider's detection concurrently under
    /// one short deadline.
    /// </summary>
    Task<bool> DetectAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Checks <paramref name="request"/> against this cloud's fixed limits (prefix lengths, sizes, names) before
    /// anything changes: no lock, no state, no cloud call has happened yet, and it must make none itself.
    /// Returns null when the request is acceptable, else one sentence saying what is wrong and what to use
    /// instead; the host prints it as bad input (exit code 2). <see cref="ProvisionRequest.Previous"/> is
    /// empty and <see cref="ProvisionRequest.PrimaryNic"/> may be empty here.
    /// Default: accepts everything. Added with a default body, so plugins built before it load unchanged
    /// (no <see cref="PluginAbi.Version"/> change).
    /// </summary>
    string? ValidateRequest(ProvisionRequest request) => null;

    /// <summary>
    /// Provisions (or, when <see cref="ProvisionRequest.DryRun"/> is set, only plans) the cloud resources
    /// for the node. Must be idempotent: a re-run with the same request changes nothing. Save progress
    /// through <paramref name="checkpoint"/> before each mutation so a failure midway can be resumed or
    /// torn down.
    /// </summary>
    Task<ProvisionResult> ProvisionAsync(
        ProvisionRequest request, IProvisionCheckpoint checkpoint, CancellationToken cancellationToken);

    /// <summary>Live cloud facts for <c>cocoon-net status</c>.</summary>
    Task<CloudStatus> GetStatusAsync(CloudResources resources, CancellationToken cancellationToken);

    /// <summary>
    /// Removes what this provider created for the node, as recorded in <see cref="TeardownRequest.Resources"/>,
    /// and nothing else. Returns one line per change made (or planned, on a dry run).
    /// </summary>
    Task<IReadOnlyList<string>> TeardownAsync(TeardownRequest request, CancellationToken cancellationToken);
}
