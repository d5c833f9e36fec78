using System.Net;
using CocoonNet.Abstractions;
using CocoonNet.Providers.Volcengine.Api;
using CocoonNet.Providers.Volcengine.Metadata;
using Microsoft.Extensions.Logging;

namespace CocoonNet.Providers.Volcengine.Provisioning;

/// <summary>
/// init's cloud side: the VM subnet, up to 7 secondary ENIs in it attached to this instance, and their
/// secondary IPs topped up. Idempotent and resumable: everything it creates carries the node's
/// ownership tags and is recorded in pool.json before (ClientToken) and after (id) the create call, so a
/// re-run after a crash at any point finds it again instead of creating another.
/// </summary>
internal sealed partial class NodeProvisioner(
    VpcApi api,
    MetadataClient metadata,
    StatusWaiter waiter,
    VolcengineSettings settings,
    ILogger<NodeProvisioner> logger) : IDisposable
{
    private readonly SemaphoreSlim _mutations = new(settings.EniConcurrency);

    public const int MaxSecondaryEnis = 7;
    public const int IpsPerEni = 20;

    public async Task<ProvisionResult> ProvisionAsync(ProvisionRequest request, IProvisionCheckpoint checkpoint, CancellationToken cancellationToken)
    {
        var instance = await metadata.GetInstanceAsync(cancellationToken).ConfigureAwait(false);
        var record = new ProvisionRecord(request.Previous);
        var changes = new List<PlanChange>();

        // The reads are independent: one round trip for all three.
        var limitsTask = LimitsAsync(instance, cancellationToken);
        var onInstanceTask = api.DescribeNetworkInterfacesAsync(new QueryParameters().Add("InstanceId", instance.InstanceId), cancellationToken);
        var subnetsTask = api.DescribeSubnetsAsync(new QueryParameters().Add("VpcId", instance.VpcId), cancellationToken);
        await Task.WhenAll(limitsTask, onInstanceTask, subnetsTask).ConfigureAwait(false);
        var limits = await limitsTask.ConfigureAwait(false);
        var onInstance = await onInstanceTask.ConfigureAwait(false);
        var securityGroup = SecurityGroup(instance, onInstance);

        var (subnet, subnetIsNew) = await EnsureSubnetAsync(request, instance, await subnetsTask.ConfigureAwait(false), record, checkpoint, changes,
            cancellationToken).ConfigureAwait(false);
        var ipsPerEni = limits.SecondaryIpsPerEni(IpsPerEni);
        var wanted = Math.Min(MaxSecondaryEnis, (request.PoolSize + ipsPerEni - 1) / Math.Max(1, ipsPerEni));

        // A subnet created just now holds no ENI of ours: no need to look.
        var owned = subnet is null || subnetIsNew ? [] : await OwnedEnisAsync(request.NodeName, instance, subnet.SubnetId, cancellationToken).ConfigureAwait(false);
        var foreign = onInstance.Count(e => e.Type != "primary" && owned.All(o => o.NetworkInterfaceId != e.NetworkInterfaceId));
        var room = limits.MaxEnis - 1 - foreign;
        var target = Math.Min(wanted, room);
        if (target < wanted)
        {
            LogFewerEnis(instance.InstanceId, target, wanted, limits.MaxEnis, foreign);
        }

        if (target <= 0 && wanted > 0)
        {
            throw new InvalidOperationException(
                $"instance {instance.InstanceId} ({instance.InstanceType}) has no room for a secondary ENI: it allows {limits.MaxEnis} including the primary and "
                + $"{foreign} other ENI(s) are attached; detach them or use a larger instance type");
        }

        // Attached ones first, so a re-run keeps what already works.
        var reuse = owned
            .OrderBy(e => e.InstanceId == instance.InstanceId ? 0 : 1)
            .ThenBy(e => e.NetworkInterfaceName, StringComparer.Ordinal)
            .ThenBy(e => e.NetworkInterfaceId, StringComparer.Ordinal)
            .Take(target)
            .ToList();
        var creates = PlanCreates(request.NodeName, record, owned, target - reuse.Count);

        if (request.DryRun)
        {
            return Plan(request, instance, subnet, reuse, creates, ipsPerEni, changes);
        }

        record.Set(ProvisionRecord.InstanceKey, instance.InstanceId);
        record.RetainEnis([.. record.EniIds.Where(id => reuse.Any(e => e.NetworkInterfaceId == id))]);
        record.SetPendingEnis(creates);
        await record.SaveAsync(checkpoint, cancellationToken).ConfigureAwait(false);

        // Every ENI proceeds at once: their waits overlap, so seven ENIs take about as long as one. Only the
        // mutating calls are limited (MutateAsync), and the status polls are shared (EniStatusBoard).
        var workers = reuse
            .Select(e => RunAsync(lines => EnsureAttachedAsync(e, instance.InstanceId, ipsPerEni, record, checkpoint, lines, cancellationToken)))
            .Concat(creates.OrderBy(c => c.Key, StringComparer.Ordinal).Select(c => RunAsync(lines =>
                CreateAsync(request.NodeName, c.Key, c.Value, subnet!.SubnetId, securityGroup, instance.InstanceId, ipsPerEni, record, checkpoint, lines,
                    cancellationToken))))
            .ToList();
        await Task.WhenAll(workers).ConfigureAwait(false);

        var enis = new List<NetworkInterface>();
        foreach (var worker in workers)
        {
            var (eni, lines) = await worker.ConfigureAwait(false);
            enis.Add(eni);
            changes.AddRange(lines);
        }

        record.RetainEnis([.. enis.Select(e => e.NetworkInterfaceId)]);
        await record.SaveAsync(checkpoint, cancellationToken).ConfigureAwait(false);

        var ips = enis.SelectMany(e => e.SecondaryIps).Select(IPAddress.Parse).ToList();
        if (ips.Count == 0 && wanted > 0)
        {
            throw new InvalidOperationException($"no secondary IPs are assigned across {enis.Count} ENI(s) of instance {instance.InstanceId}");
        }

        return new ProvisionResult { Ips = ips, Resources = record.Snapshot(), Changes = changes };
    }

    private static async Task<(NetworkInterface Eni, List<PlanChange> Lines)> RunAsync(Func<List<PlanChange>, Task<NetworkInterface>> work)
    {
        var lines = new List<PlanChange>();
        return (await work(lines).ConfigureAwait(false), lines);
    }

    /// <summary>Runs a mutating call under the concurrency limit (at most EniConcurrency in flight).</summary>
    private async Task<T> MutateAsync<T>(Func<Task<T>> call, CancellationToken cancellationToken)
    {
        await _mutations.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return await call().ConfigureAwait(false);
        }
        finally
        {
            _mutations.Release();
        }
    }

    public void Dispose() => _mutations.Dispose();

    private async Task<InstanceLimits> LimitsAsync(InstanceMetadata instance, CancellationToken cancellationToken)
    {
        try
        {
            var network = await api.DescribeInstanceTypeAsync(instance.InstanceType, cancellationToken).ConfigureAwait(false);
            if (network is { MaximumNetworkInterfaces: > 0, MaximumPrivateIpv4AddressesPerNetworkInterface: > 0 })
            {
                return new InstanceLimits(network.MaximumNetworkInterfaces, network.MaximumPrivateIpv4AddressesPerNetworkInterface);
            }
        }
        catch (VolcengineApiException e) when (!ApiErrorClassifier.IsRetryable(e.Code, e.HttpStatus))
        {
            LogLimitsUnknown(instance.InstanceType, e.Message);
            return InstanceLimits.Assumed;
        }

        LogLimitsUnknown(instance.InstanceType, "not listed by DescribeInstanceTypes");
        return InstanceLimits.Assumed;
    }

    private string SecurityGroup(InstanceMetadata instance, IReadOnlyList<NetworkInterface> onInstance)
    {
        if (settings.SecurityGroupId is { } configured)
        {
            return configured;
        }

        var primary = onInstance.FirstOrDefault(e => e.Type == "primary")
            ?? throw new InvalidOperationException($"instance {instance.InstanceId} has no primary ENI in DescribeNetworkInterfaces; check the instance id in metadata");
        return (primary.SecurityGroupIds is [var first, ..] ? first : null)
            ?? throw new InvalidOperationException(
                $"primary ENI {primary.NetworkInterfaceId} of instance {instance.InstanceId} has no security group; set one with --security-group-id");
    }

    /// <summary>The VM subnet (null on a dry run that would create it), and whether this run created it.</summary>
    private async Task<(Subnet? Subnet, bool IsNew)> EnsureSubnetAsync(
        ProvisionRequest request, InstanceMetadata instance, IReadOnlyList<Subnet> subnets, ProvisionRecord record, IProvisionCheckpoint checkpoint,
        List<PlanChange> changes, CancellationToken cancellationToken)
    {
        var subnet = subnets.FirstOrDefault(s => IPNetwork.TryParse(s.CidrBlock, out var cidr) && cidr.Equals(request.Subnet));
        var name = $"{request.NodeName}-vms";
        if (subnet is not null)
        {
            if (subnet.ZoneId != instance.Zone)
            {
                throw new InvalidOperationException(
                    $"subnet {subnet.SubnetId} ({subnet.CidrBlock}) is in zone {subnet.ZoneId} but instance {instance.InstanceId} is in {instance.Zone}: "
                    + "ENIs must be in the instance's zone; choose another --subnet");
            }

            // Ours when an earlier run recorded creating it, or when its tags say so (a run that crashed
            // right after the create call).
            var created = (record.SubnetCreated && record.SubnetId == subnet.SubnetId) || OwnershipTags.IsOwnedBy(subnet.Tags, request.NodeName);
            if (!request.DryRun && (record.SubnetId != subnet.SubnetId || record.SubnetCreated != created || record.Get(ProvisionRecord.SubnetTokenKey) is not null))
            {
                record.SetSubnet(subnet.SubnetId, created);
                await record.SaveAsync(checkpoint, cancellationToken).ConfigureAwait(false);
            }

            if (request.DryRun)
            {
                return (subnet, false);
            }

            if (subnet.Status == "Available")
            {
                // A run that crashed after creating the subnet and before its ENIs: the subnet may have settled
                // while the VPC is still busy with it (it stays busy longer), so wait for the VPC as a fresh create
                // does. A node whose ENIs were made has nothing to wait for.
                if (created && record.EniIds.Count == 0)
                {
                    await waiter.VpcAvailableAsync(instance.VpcId, cancellationToken).ConfigureAwait(false);
                }

                return (subnet, false);
            }

            // Still being created (a run that crashed after CreateSubnet): the VPC may be busy with it too.
            var settled = await waiter.SubnetAvailableAsync(subnet.SubnetId, cancellationToken).ConfigureAwait(false);
            await waiter.VpcAvailableAsync(instance.VpcId, cancellationToken).ConfigureAwait(false);
            return (settled, false);
        }

        if (request.DryRun)
        {
            changes.Add(PlanChange.Create($"create subnet {name}", $"({request.Subnet}) in {instance.VpcId}, zone {instance.Zone}"));
            return (null, true);
        }

        var token = record.Get(ProvisionRecord.SubnetTokenKey) ?? NewToken();
        record.Set(ProvisionRecord.SubnetTokenKey, token);
        await record.SaveAsync(checkpoint, cancellationToken).ConfigureAwait(false);
        var id = await api.CreateSubnetAsync(instance.VpcId, instance.Zone, request.Subnet.ToString(), name,
            OwnershipTags.ForCreate(request.NodeName, token), token, cancellationToken).ConfigureAwait(false);
        record.SetSubnet(id, created: true);
        await record.SaveAsync(checkpoint, cancellationToken).ConfigureAwait(false);
        LogCreated("subnet", id);
        changes.Add(PlanChange.Create($"create subnet {id} {name}", $"({request.Subnet}) in zone {instance.Zone}"));
        var available = await waiter.SubnetAvailableAsync(id, cancellationToken).ConfigureAwait(false);

        // The VPC stays busy for a while after CreateSubnet and refuses ENI calls with InvalidVpc.InvalidStatus;
        // terraform-provider-volcengine waits for it to be Available before going on (StatusWaiter.VpcAvailableAsync).
        await waiter.VpcAvailableAsync(instance.VpcId, cancellationToken).ConfigureAwait(false);
        return (available, true);
    }

    /// <summary>ENIs tagged as this node's in the VM subnet, detached or attached to this instance.</summary>
    private async Task<IReadOnlyList<NetworkInterface>> OwnedEnisAsync(
        string nodeName, InstanceMetadata instance, string subnetId, CancellationToken cancellationToken)
    {
        var tagged = await api.DescribeNetworkInterfacesAsync(
            new QueryParameters().Add("SubnetId", subnetId).AddTagFilters(OwnershipTags.For(nodeName)), cancellationToken).ConfigureAwait(false);
        return tagged
            .Where(e => e.Type != "primary" && e.SubnetId == subnetId && OwnershipTags.IsOwnedBy(e.Tags, nodeName))
            .Where(e => e.InstanceId.Length == 0 || e.InstanceId == instance.InstanceId)
            .Where(e => e.Status != "Deleting")
            .ToList();
    }

    /// <summary>
    /// Slot name → ClientToken for the ENIs to create. Tokens of pending creates from a crashed run are reused
    /// (the cloud answers a repeated token with the ENI it already made), unless the ENI they made is found.
    /// </summary>
    internal static Dictionary<string, string> PlanCreates(string nodeName, ProvisionRecord record, IReadOnlyList<NetworkInterface> owned, int count)
    {
        var madeTokens = owned.Select(e => e.Tag(OwnershipTags.ClientTokenKey)).OfType<string>().ToHashSet();
        var usedNames = owned.Select(e => e.NetworkInterfaceName).ToHashSet();
        var result = new Dictionary<string, string>();
        foreach (var (slot, token) in record.PendingEnis.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            if (result.Count < count && !madeTokens.Contains(token) && !usedNames.Contains(slot))
            {
                result[slot] = token;
            }
        }

        for (var index = 1; result.Count < count; index++)
        {
            var slot = $"{nodeName}-eni-{index}";
            if (!usedNames.Contains(slot) && !result.ContainsKey(slot))
            {
                result[slot] = NewToken();
            }
        }

        return result;
    }

    private async Task<NetworkInterface> CreateAsync(
        string nodeName, string slot, string token, string subnetId, string securityGroup, string instanceId, int ipsPerEni,
        ProvisionRecord record, IProvisionCheckpoint checkpoint, List<PlanChange> lines, CancellationToken cancellationToken)
    {
        // Asking for the IPs in the create call saves an AssignPrivateIpAddresses round trip per ENI.
        var id = await MutateAsync(() => api.CreateNetworkInterfaceAsync(subnetId, securityGroup, slot, OwnershipTags.ForCreate(nodeName, token), ipsPerEni,
            token, cancellationToken), cancellationToken).ConfigureAwait(false);
        record.SetEni(id, null, null);
        record.RemovePendingEni(slot);
        await record.SaveAsync(checkpoint, cancellationToken).ConfigureAwait(false);
        LogCreated("ENI", id);
        lines.Add(PlanChange.Create($"create ENI {id}", $"({slot}) in subnet {subnetId}"));
        var eni = await waiter.EniSettledAsync(id, cancellationToken).ConfigureAwait(false)
            ?? throw new InvalidOperationException($"ENI {id} ({slot}) disappeared right after it was created; re-run init");
        return await EnsureAttachedAsync(eni, instanceId, ipsPerEni, record, checkpoint, lines, cancellationToken).ConfigureAwait(false);
    }

    private async Task<NetworkInterface> EnsureAttachedAsync(
        NetworkInterface eni, string instanceId, int ipsPerEni, ProvisionRecord record, IProvisionCheckpoint checkpoint, List<PlanChange> lines,
        CancellationToken cancellationToken)
    {
        var id = eni.NetworkInterfaceId;
        record.SetEni(id, eni.MacAddress, null);
        if (StatusWaiter.IsTransient(eni.Status))
        {
            eni = await waiter.EniSettledAsync(id, cancellationToken).ConfigureAwait(false)
                ?? throw new InvalidOperationException($"ENI {id} disappeared; re-run init");
        }

        if (eni.Status == "Available")
        {
            try
            {
                await MutateAsync(async () =>
                {
                    await api.AttachNetworkInterfaceAsync(instanceId, id, cancellationToken).ConfigureAwait(false);
                    return true;
                }, cancellationToken).ConfigureAwait(false);
            }
            catch (VolcengineApiException e) when (e.Code.StartsWith("InvalidEni.InvalidStatus", StringComparison.Ordinal))
            {
                // A retried attach whose first attempt went through: the ENI is already on its way.
                var now = await api.DescribeNetworkInterfaceAsync(id, cancellationToken).ConfigureAwait(false);
                if (now is null || now.InstanceId != instanceId)
                {
                    throw;
                }
            }

            lines.Add(PlanChange.Update($"attach ENI {id} to instance {instanceId}"));
            eni = await waiter.EniStatusAsync(id, "InUse", cancellationToken).ConfigureAwait(false);
        }
        else if (eni.Status != "InUse" || eni.InstanceId != instanceId)
        {
            throw new InvalidOperationException(
                $"ENI {id} is {eni.Status}{(eni.InstanceId.Length > 0 ? $" on {eni.InstanceId}" : "")}, expected Available or InUse on {instanceId}; "
                + "check it in the Volcengine console and re-run init");
        }

        var missing = ipsPerEni - eni.SecondaryIps.Count;
        if (missing > 0)
        {
            var token = NewToken();
            await MutateAsync(() => api.AssignPrivateIpAddressesAsync(id, missing, token, cancellationToken), cancellationToken).ConfigureAwait(false);
            lines.Add(PlanChange.Update($"assign {missing} secondary IP(s) to ENI {id}"));
            eni = await api.DescribeNetworkInterfaceAsync(id, cancellationToken).ConfigureAwait(false)
                ?? throw new InvalidOperationException($"ENI {id} disappeared after its IPs were assigned; re-run init");
        }

        record.SetEni(id, eni.MacAddress, eni.SecondaryIps);
        await record.SaveAsync(checkpoint, cancellationToken).ConfigureAwait(false);
        return eni;
    }

    private static ProvisionResult Plan(
        ProvisionRequest request, InstanceMetadata instance, Subnet? subnet, IReadOnlyList<NetworkInterface> reuse,
        IReadOnlyDictionary<string, string> creates, int ipsPerEni, List<PlanChange> changes)
    {
        foreach (var eni in reuse)
        {
            if (eni.Status != "InUse")
            {
                changes.Add(PlanChange.Update($"attach ENI {eni.NetworkInterfaceId} to instance {instance.InstanceId}"));
            }

            if (ipsPerEni - eni.SecondaryIps.Count is > 0 and var missing)
            {
                changes.Add(PlanChange.Update($"assign {missing} secondary IP(s) to ENI {eni.NetworkInterfaceId}"));
            }
        }

        foreach (var slot in creates.Keys.Order(StringComparer.Ordinal))
        {
            changes.Add(PlanChange.Create($"create ENI {slot}", $"with {ipsPerEni} secondary IP(s) in subnet {subnet?.SubnetId ?? $"{request.NodeName}-vms"}"));
            changes.Add(PlanChange.Update($"attach ENI {slot} to instance {instance.InstanceId}"));
        }

        // Only attached ENIs: the host backend waits for the NICs of every ENI it is given.
        var resources = new ProvisionRecord(request.Previous);
        resources.RetainEnis([.. reuse.Where(e => e.Status == "InUse").Select(e => e.NetworkInterfaceId)]);
        foreach (var eni in reuse.Where(e => e.Status == "InUse"))
        {
            resources.SetEni(eni.NetworkInterfaceId, eni.MacAddress, eni.SecondaryIps);
        }

        return new ProvisionResult
        {
            Ips = reuse.Where(e => e.Status == "InUse").SelectMany(e => e.SecondaryIps).Select(IPAddress.Parse).ToList(),
            Resources = resources.Snapshot().WithValue(CloudResources.SubnetIdKey, subnet?.SubnetId ?? request.Previous.Value(CloudResources.SubnetIdKey)),
            Changes = changes,
        };
    }

    private static string NewToken() => Guid.NewGuid().ToString();

    [LoggerMessage(Level = LogLevel.Information, Message = "created {Kind} {Id}")]
    private partial void LogCreated(string kind, string id);

    [LoggerMessage(Level = LogLevel.Warning,
        Message = "instance {InstanceId} gets {Target} secondary ENI(s) instead of {Wanted}: its type allows {MaxEnis} ENIs including the primary and {Foreign} other ENI(s) are attached")]
    private partial void LogFewerEnis(string instanceId, int target, int wanted, int maxEnis, int foreign);

    [LoggerMessage(Level = LogLevel.Warning, Message = "limits of instance type {InstanceType} unknown ({Reason}); assuming 8 ENIs and 20 secondary IPs per ENI")]
    private partial void LogLimitsUnknown(string instanceType, string reason);
}
