using System.Net;
using Microsoft.Extensions.Logging;

namespace CocoonNet.Host.Kubernetes;

/// <summary>The leases over time: this node renews its own; any node deletes those of nodes that are gone; teardown releases its own.</summary>
internal sealed class LeaseKeeper(INodeApi api, string leaseNamespace, TimeProvider time, ILogger logger)
{
    // Orphans whose delete was refused, so each is reported once rather than at every pass.
    private readonly HashSet<string> _refused = new(StringComparer.Ordinal);

    public async Task RenewAsync(string node, CancellationToken cancellationToken)
    {
        foreach (var lease in (await api.ListLeasesAsync(leaseNamespace, cancellationToken).ConfigureAwait(false)).Where(l => l.Holder == node))
        {
            await api.RenewLeaseAsync(leaseNamespace, lease, time.GetUtcNow(), cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Deletes a lease whose holder Node does not exist (404) and that was not renewed for <paramref name="grace"/>,
    /// at the resourceVersion read: a lease renewed or re-taken meanwhile is left alone.
    /// </summary>
    public async Task<int> CollectAsync(string self, TimeSpan grace, CancellationToken cancellationToken)
    {
        var deleted = 0;
        var now = time.GetUtcNow();
        foreach (var lease in await api.ListLeasesAsync(leaseNamespace, cancellationToken).ConfigureAwait(false))
        {
            if (lease.Holder is not { Length: > 0 } holder || holder == self || lease.ResourceVersion is not { } version
                || lease.LastSeen is { } seen && now - seen < grace)
            {
                continue;
            }

            if (await api.GetNodeAsync(holder, cancellationToken).ConfigureAwait(false) is not null)
            {
                continue;
            }

            try
            {
                if (await api.DeleteLeaseAsync(leaseNamespace, lease.Name, version, cancellationToken).ConfigureAwait(false))
                {
                    logger.OrphanDeleted(lease.Name, holder);
                    deleted++;
                }
            }
            catch (Exception e) when (ApiRetry.Status(e) == HttpStatusCode.Forbidden)
            {
                // The admission policy (deploy/kubernetes/admission-policy) lets a node delete only the leases it
                // holds: an orphan is then the administrator's to delete, and this node's own renewal goes on.
                if (_refused.Add(lease.Name))
                {
                    logger.OrphanRefused(lease.Name, holder, leaseNamespace);
                }
            }
        }

        return deleted;
    }

    /// <summary>
    /// Deletes this node's leases (teardown; with <paramref name="keep"/>, a move to another subnet): only those it
    /// holds, each at the resourceVersion read.
    /// </summary>
    public async Task<IReadOnlyList<string>> ReleaseAsync(string node, CancellationToken cancellationToken, string? keep = null)
    {
        var released = new List<string>();
        foreach (var lease in (await api.ListLeasesAsync(leaseNamespace, cancellationToken).ConfigureAwait(false)).Where(l => l.Holder == node && l.Name != keep))
        {
            if (lease.ResourceVersion is { } version && await api.DeleteLeaseAsync(leaseNamespace, lease.Name, version, cancellationToken).ConfigureAwait(false))
            {
                released.Add(lease.Name);
            }
        }

        return released;
    }
}
