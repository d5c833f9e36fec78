namespace CocoonNet.Host.Kubernetes;

/// <summary>
/// The few Kubernetes API calls the agent makes, as a seam (tests fake it). Every call takes a cancellation token
/// and has its own timeout; transient failures (429 with Retry-After, 5xx, a refused connection) are retried a
/// few times inside. What still fails throws.
/// </summary>
internal interface INodeApi
{
    /// <summary>The node, or null when it does not exist (404).</summary>
    Task<ClusterNode?> GetNodeAsync(string name, CancellationToken cancellationToken);

    /// <summary>
    /// The node now, then each time it changes, until cancelled: a dropped watch or 410 Gone is re-listed and
    /// re-watched with backoff, so a change is never lost (the same state may come twice).
    /// </summary>
    IAsyncEnumerable<ClusterNode> WatchNodeAsync(string name, CancellationToken cancellationToken);

    /// <summary>Sets (value) or removes (null) annotations with a merge patch, leaving the others.</summary>
    Task PatchAnnotationsAsync(string node, IReadOnlyDictionary<string, string?> annotations, CancellationToken cancellationToken);

    /// <summary>Patches nodes/status: the condition merged by type, the extended resource in capacity and allocatable.</summary>
    Task PatchStatusAsync(string node, NodeStatusUpdate update, CancellationToken cancellationToken);

    /// <summary>Creates the lease; false when one of that name already exists (409 AlreadyExists).</summary>
    Task<bool> CreateLeaseAsync(string ns, SubnetLease lease, CancellationToken cancellationToken);

    /// <summary>The lease, or null when there is none.</summary>
    Task<SubnetLease?> GetLeaseAsync(string ns, string name, CancellationToken cancellationToken);

    /// <summary>The subnet leases (label cocoonstack.io/vm-subnet-lease=true).</summary>
    Task<IReadOnlyList<SubnetLease>> ListLeasesAsync(string ns, CancellationToken cancellationToken);

    /// <summary>Deletes the lease only at that resourceVersion; false when it is gone or changed (404, 409).</summary>
    Task<bool> DeleteLeaseAsync(string ns, string name, string resourceVersion, CancellationToken cancellationToken);

    /// <summary>Sets renewTime (replace at its resourceVersion); false when the lease is gone or changed.</summary>
    Task<bool> RenewLeaseAsync(string ns, SubnetLease lease, DateTimeOffset now, CancellationToken cancellationToken);

    Task CreateEventAsync(ClusterNode node, NodeEventNote note, CancellationToken cancellationToken);
}
