using System.Net;
using CocoonNet.Abstractions;
using CocoonNet.Providers.Gke.Compute;
using Microsoft.Extensions.Logging;

namespace CocoonNet.Providers.Gke.Provisioning;

/// <summary>
/// Makes sure the subnetwork has secondary range <c>cocoon-pods</c> covering the node's VM subnet. The
/// range is shared by every node on the subnetwork, so it is only ever added, never changed or removed.
/// </summary>
internal sealed class SecondaryRangeReconciler(
    ComputeClient compute, ComputeRetry retry, OperationWaiter waiter, ILogger<SecondaryRangeReconciler> logger)
{
    /// <summary>How many fingerprint conflicts (another writer got in between) to absorb before giving up.</summary>
    public int MaxConflicts { get; init; } = 5;

    public async Task<IReadOnlyList<PlanChange>> EnsureAsync(
        SubnetworkRef subnetwork, IPNetwork subnet, bool dryRun, Func<CancellationToken, Task> beforeMutation, CancellationToken cancellationToken)
    {
        for (var conflicts = 0; ; conflicts++)
        {
            var current = await retry.ExecuteAsync($"read {subnetwork}",
                ct => compute.GetSubnetworkAsync(subnetwork, ct), cancellationToken).ConfigureAwait(false);
            var (fit, range) = AliasRanges.Fit(current.SecondaryIpRanges, subnet);
            switch (fit)
            {
                case RangeFit.Covers:
                    logger.RangeReused(AliasRanges.RangeName, range!.IpCidrRange, subnetwork.Name);
                    return [];
                case RangeFit.DoesNotCover:
                    throw new GkeException(
                        $"secondary range {AliasRanges.RangeName} on {subnetwork} is {range!.IpCidrRange}, which does not cover --subnet {subnet}; "
                        + $"choose a --subnet inside {range.IpCidrRange}, or (GCE cannot resize a secondary range) once no node uses it, "
                        + $"replace it with one range covering every node's subnet, e.g. 'gcloud compute networks subnets update {subnetwork.Name} "
                        + $"--project {subnetwork.Project} --region {subnetwork.Region} --add-secondary-ranges {AliasRanges.RangeName}=172.20.0.0/16' (see docs/gke.md)");
            }

            var line = PlanChange.Create($"add secondary range {AliasRanges.RangeName}={subnet} to subnetwork {subnetwork.Name}", $"({subnetwork.Region})");
            if (dryRun)
            {
                return [line];
            }

            var patch = new SubnetworkPatch(
                current.Fingerprint ?? throw new GkeException($"{subnetwork} has no fingerprint; cannot update it safely"),
                AliasRanges.WithRange(current.SecondaryIpRanges, subnet));
            await beforeMutation(cancellationToken).ConfigureAwait(false);

            // One id per attempted change: a retry after a lost answer must not apply it twice.
            var requestId = Guid.NewGuid().ToString();
            var what = $"add secondary range {AliasRanges.RangeName}={subnet} to {subnetwork}";
            try
            {
                var operation = await retry.ExecuteAsync(what,
                    ct => compute.PatchSubnetworkAsync(subnetwork, patch, requestId, ct), cancellationToken).ConfigureAwait(false);
                await waiter.WaitAsync(subnetwork.Project, operation, what, cancellationToken).ConfigureAwait(false);
                return [line];
            }
            catch (ComputeApiException e) when (e.IsFingerprintConflict && conflicts < MaxConflicts)
            {
                logger.FingerprintConflict(subnetwork.ToString(), conflicts + 1);
            }
        }
    }
}
