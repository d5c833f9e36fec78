using CocoonNet.Abstractions;
using CocoonNet.Providers.Volcengine.Api;
using CocoonNet.Providers.Volcengine.Metadata;

namespace CocoonNet.Providers.Volcengine.Provisioning;

/// <summary>
/// status's live cloud lines: the secondary ENIs attached to this instance (the primary is not counted),
/// the VM subnet, the secondary IPs of each of the node's ENIs, where the cloud differs from pool.json, and where
/// the credentials come from (never a secret). The differences are also <see cref="CloudStatus.Drift"/> (contract
/// 2.2), one line each; a metadata or API failure is <see cref="CloudStatus.Reachable"/> false, never drift.
/// </summary>
internal sealed class NodeStatus(VpcApi api, MetadataClient metadata, ApiSession session)
{
    public async Task<CloudStatus> GetAsync(CloudResources resources, CancellationToken cancellationToken)
    {
        try
        {
            return await CompareAsync(resources, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            return new CloudStatus
            {
                Fields = [Field("Cloud", $"unavailable: {e.Message}"), Field("Credentials", session.Description ?? "unknown")],
                Reachable = false,
            };
        }
    }

    private async Task<CloudStatus> CompareAsync(CloudResources resources, CancellationToken cancellationToken)
    {
        var instanceId = await metadata.GetAsync("instance_id", cancellationToken).ConfigureAwait(false);
        var attached = await api.DescribeNetworkInterfacesAsync(new QueryParameters().Add("InstanceId", instanceId), cancellationToken).ConfigureAwait(false);
        var secondary = attached.Where(e => e.Type != "primary").ToList();
        var record = new ProvisionRecord(resources);

        var perEni = record.EniIds
            .Select(id => (Id: id, Live: secondary.FirstOrDefault(e => e.NetworkInterfaceId == id)))
            .ToList();
        var drift = new List<string>();
        var lines = new List<string>();
        foreach (var (id, live) in perEni)
        {
            if (live is null)
            {
                drift.Add($"{id} not attached");
                lines.Add($"ENI {id} is detached");
                continue;
            }

            var recorded = (record.Get(ProvisionRecord.IpsKey(id)) ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries).ToHashSet();
            var missing = recorded.Except(live.SecondaryIps).Count();
            var extra = live.SecondaryIps.Except(recorded).Count();
            if (missing > 0)
            {
                drift.Add($"{id} lost {missing} IP(s)");
                lines.Add($"ENI {id} lost {missing} secondary IP(s) pool.json records");
            }

            if (extra > 0)
            {
                drift.Add($"{id} has {extra} IP(s) not in pool.json");
                lines.Add($"ENI {id} has {extra} secondary IP(s) not in pool.json");
            }
        }

        var unknown = secondary.Count(e => !record.EniIds.Contains(e.NetworkInterfaceId));
        return new CloudStatus
        {
            Fields =
            [
                Field("ENIs", secondary.Count.ToString(System.Globalization.CultureInfo.InvariantCulture)
                    + (unknown > 0 ? $" ({unknown} not cocoon-net's)" : "")),
                Field("SubnetID", record.SubnetId ?? ""),
                Field("ENI IPs", perEni.Count == 0 ? "none" : string.Join(", ", perEni.Select(p => $"{p.Id}={p.Live?.SecondaryIps.Count ?? 0}"))),
                Field("Drift", drift.Count == 0 ? "none" : string.Join("; ", drift)),
                Field("Credentials", session.Description ?? "unknown"),
            ],
            Drift = lines,
        };
    }

    private static StatusField Field(string label, string value) => new() { Label = label, Value = value };
}
