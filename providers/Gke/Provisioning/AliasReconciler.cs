using System.Net;
using CocoonNet.Abstractions;
using CocoonNet.Providers.Gke.Compute;
using Microsoft.Extensions.Logging;

namespace CocoonNet.Providers.Gke.Provisioning;

/// <summary>
/// Adds or removes this node's <c>cocoon-pods</c> alias on nic0 by read-modify-write with the NIC
/// fingerprint, carrying every other alias (GKE's pod range, an operator's) over unchanged.
/// </summary>
internal sealed class AliasReconciler(ComputeClient compute, ComputeRetry retry, OperationWaiter waiter, ILogger<AliasReconciler> logger)
{
    public int MaxConflicts { get; init; } = 5;

    public Task<IReadOnlyList<PlanChange>> AddAsync(
        NodeLocation location, IPNetwork subnet, IPNetwork? stale, bool dryRun, Func<CancellationToken, Task> beforeMutation, CancellationToken cancellationToken) =>
        UpdateAsync(location, dryRun, beforeMutation, aliases =>
        {
            var desired = AliasRanges.WithAlias(aliases, subnet, stale);
            if (desired is null)
            {
                logger.AliasPresent(AliasRanges.RangeName, subnet, location.Instance);
                return null;
            }

            var kept = desired.Where(a => !AliasRanges.IsOurs(a, subnet)).ToList();
            return (desired, PlanChange.Create($"add alias {AliasRanges.RangeName}:{subnet} to {AliasRanges.Nic} of {location.Instance}",
                kept.Count > 0 ? $"(keeping {AliasRanges.Describe(kept)})" : null));
        }, cancellationToken);

    public Task<IReadOnlyList<PlanChange>> RemoveAsync(NodeLocation location, IPNetwork subnet, bool dryRun, CancellationToken cancellationToken) =>
        UpdateAsync(location, dryRun, _ => Task.CompletedTask, aliases =>
        {
            var desired = AliasRanges.WithoutAlias(aliases, subnet);
            if (desired is null)
            {
                logger.AliasAbsent(AliasRanges.RangeName, subnet, location.Instance);
                return null;
            }

            return (desired, PlanChange.Delete($"remove alias {AliasRanges.RangeName}:{subnet} from {AliasRanges.Nic} of {location.Instance}",
                desired.Count > 0 ? $"(keeping {AliasRanges.Describe(desired)})" : null));
        }, cancellationToken);

    public async Task<IReadOnlyList<AliasIpRange>> ListAsync(NodeLocation location, CancellationToken cancellationToken)
    {
        var instance = await retry.ExecuteAsync($"read {location.InstanceRef}",
            ct => compute.GetInstanceAsync(location.InstanceRef, ct), cancellationToken).ConfigureAwait(false);
        return AliasRanges.Nic0(instance).AliasIpRanges ?? [];
    }

    private async Task<IReadOnlyList<PlanChange>> UpdateAsync(
        NodeLocation location,
        bool dryRun,
        Func<CancellationToken, Task> beforeMutation,
        Func<IReadOnlyList<AliasIpRange>?, (IReadOnlyList<AliasIpRange> Desired, PlanChange Change)?> decide,
        CancellationToken cancellationToken)
    {
        var target = location.InstanceRef;
        for (var conflicts = 0; ; conflicts++)
        {
            var instance = await retry.ExecuteAsync($"read {target}",
                ct => compute.GetInstanceAsync(target, ct), cancellationToken).ConfigureAwait(false);
            var nic = AliasRanges.Nic0(instance);
            if (decide(nic.AliasIpRanges) is not { } change)
            {
                return [];
            }

            if (dryRun)
            {
                return [change.Change];
            }

            var update = new NetworkInterfaceUpdate(nic.Name,
                nic.Fingerprint ?? throw new GkeException($"{AliasRanges.Nic} of {target} has no fingerprint; cannot update it safely"),
                change.Desired);
            await beforeMutation(cancellationToken).ConfigureAwait(false);
            var requestId = Guid.NewGuid().ToString();
            var what = $"update aliases of {AliasRanges.Nic} of {target}";
            try
            {
                var operation = await retry.ExecuteAsync(what,
                    ct => compute.UpdateNetworkInterfaceAsync(target, update, requestId, ct), cancellationToken).ConfigureAwait(false);
                await waiter.WaitAsync(location.Project, operation, what, cancellationToken).ConfigureAwait(false);
                return [change.Change];
            }
            catch (ComputeApiException e) when (e.IsFingerprintConflict && conflicts < MaxConflicts)
            {
                logger.FingerprintConflict(target.ToString(), conflicts + 1);
            }
        }
    }
}
