using System.Collections.Concurrent;
using CocoonNet.Abstractions;
using CocoonNet.Providers.Volcengine.Api;
using Microsoft.Extensions.Logging;

namespace CocoonNet.Providers.Volcengine.Provisioning;

/// <summary>
/// teardown's cloud side. Removes only what pool.json records or the node's ownership tags mark as
/// cocoon-net's: its ENIs (detached first, deleted once Available; not-found counts as done) and the VM
/// subnet if cocoon-net created it and nothing else uses it. IPs are never unassigned one by one: they go
/// with their ENI, and ENIs that are not ours are not touched at all.
/// </summary>
internal sealed partial class NodeTeardown(VpcApi api, StatusWaiter waiter, VolcengineSettings settings, ILogger<NodeTeardown> logger)
{
    public async Task<IReadOnlyList<PlanChange>> TeardownAsync(TeardownRequest request, CancellationToken cancellationToken)
    {
        var record = new ProvisionRecord(request.Resources);
        var tagged = await api.DescribeNetworkInterfacesAsync(new QueryParameters().AddTagFilters(OwnershipTags.For(request.NodeName)), cancellationToken)
            .ConfigureAwait(false);
        var ids = record.EniIds
            .Concat(tagged.Where(e => OwnershipTags.IsOwnedBy(e.Tags, request.NodeName)).Select(e => e.NetworkInterfaceId))
            .Distinct()
            .Order(StringComparer.Ordinal)
            .ToList();

        var lines = new ConcurrentDictionary<string, List<PlanChange>>();
        using var gate = new SemaphoreSlim(settings.EniConcurrency);
        await Task.WhenAll(ids.Select(async id =>
        {
            await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                lines[id] = await RemoveEniAsync(id, request.NodeName, request.DryRun, cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                gate.Release();
            }
        })).ConfigureAwait(false);

        var changes = ids.SelectMany(id => lines.GetValueOrDefault(id) ?? []).ToList();
        changes.AddRange(await RemoveSubnetAsync(request, record, ids.Count, cancellationToken).ConfigureAwait(false));
        return changes;
    }

    private async Task<List<PlanChange>> RemoveEniAsync(string id, string nodeName, bool dryRun, CancellationToken cancellationToken)
    {
        var lines = new List<PlanChange>();
        var eni = await api.DescribeNetworkInterfaceAsync(id, cancellationToken).ConfigureAwait(false);
        if (eni is not null && StatusWaiter.IsTransient(eni.Status))
        {
            eni = await waiter.EniSettledAsync(id, cancellationToken).ConfigureAwait(false);
        }

        if (eni is null)
        {
            return lines;
        }

        if (eni.Type == "primary")
        {
            LogSkipped(id, "it is a primary ENI");
            return lines;
        }

        if (eni.Status == "InUse")
        {
            lines.Add(PlanChange.Delete($"detach ENI {id} from instance {eni.InstanceId}"));
            if (!dryRun)
            {
                await DetachAsync(eni.InstanceId, id, cancellationToken).ConfigureAwait(false);
                eni = await waiter.EniSettledAsync(id, cancellationToken).ConfigureAwait(false);
                if (eni is null)
                {
                    return lines;
                }

                if (eni.Status != "Available")
                {
                    throw new InvalidOperationException($"ENI {id} is {eni.Status} after detaching, expected Available; check it in the console and re-run teardown");
                }
            }
        }

        lines.Add(PlanChange.Delete($"delete ENI {id}", eni.NetworkInterfaceName.Length > 0 ? $"({eni.NetworkInterfaceName})" : null));
        if (!dryRun)
        {
            await IgnoreNotFoundAsync(api.DeleteNetworkInterfaceAsync(id, cancellationToken)).ConfigureAwait(false);
            await waiter.EniGoneAsync(id, cancellationToken).ConfigureAwait(false);
            LogDeleted("ENI", id, nodeName);
        }

        return lines;
    }

    private async Task<IReadOnlyList<PlanChange>> RemoveSubnetAsync(TeardownRequest request, ProvisionRecord record, int enisRemoved, CancellationToken cancellationToken)
    {
        if (record.SubnetId is not { } id)
        {
            return [];
        }

        var subnet = await api.DescribeSubnetAsync(id, cancellationToken).ConfigureAwait(false);
        if (subnet is null || !(record.SubnetCreated || OwnershipTags.IsOwnedBy(subnet.Tags, request.NodeName)))
        {
            return [];
        }

        if (!request.DryRun || enisRemoved == 0)
        {
            var users = await api.DescribeNetworkInterfacesAsync(new QueryParameters().Add("SubnetId", id), cancellationToken).ConfigureAwait(false);
            if (users.Count > 0)
            {
                LogSubnetKept(id, users.Count);
                return [];
            }
        }

        if (!request.DryRun)
        {
            await waiter.DeleteSubnetAsync(id, cancellationToken).ConfigureAwait(false);
            await waiter.SubnetGoneAsync(id, cancellationToken).ConfigureAwait(false);
            LogDeleted("subnet", id, request.NodeName);
        }

        return [PlanChange.Delete($"delete subnet {id}", $"({subnet.CidrBlock})")];
    }

    /// <summary>
    /// Detaches, counting "not attached to that instance" as done: a retried detach whose first attempt took
    /// effect gets InvalidEni.InstanceMismatch, and volcengine/cello
    /// (pkg/provider/volcengine/cellohelper/volc_api.go, freeENI) ignores it the same way.
    /// </summary>
    private async Task DetachAsync(string instanceId, string eniId, CancellationToken cancellationToken)
    {
        try
        {
            await api.DetachNetworkInterfaceAsync(instanceId, eniId, cancellationToken).ConfigureAwait(false);
        }
        catch (VolcengineApiException e) when (e.IsNotFound || e.Code == "InvalidEni.InstanceMismatch")
        {
        }
    }

    private static async Task IgnoreNotFoundAsync(Task call)
    {
        try
        {
            await call.ConfigureAwait(false);
        }
        catch (VolcengineApiException e) when (e.IsNotFound)
        {
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "deleted {Kind} {Id} of node {Node}")]
    private partial void LogDeleted(string kind, string id, string node);

    [LoggerMessage(Level = LogLevel.Warning, Message = "leaving ENI {Id} alone: {Reason}")]
    private partial void LogSkipped(string id, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "keeping subnet {Id}: {Count} ENI(s) that are not this node's still use it; delete them, then re-run teardown or delete the subnet by hand")]
    private partial void LogSubnetKept(string id, int count);
}
