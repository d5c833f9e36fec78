using System.Net;
using CocoonNet.Abstractions;
using CocoonNet.Providers.Gke.Compute;
using CocoonNet.Providers.Gke.GuestAgent;
using CocoonNet.Providers.Gke.Metadata;
using CocoonNet.Providers.Gke.Provisioning;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CocoonNet.Providers.Gke;

/// <summary>
/// GKE/GCE cloud side: detect GCE, then give the node's VM subnet to nic0 as an alias range out of the
/// subnetwork's shared secondary range <c>cocoon-pods</c>; remove only that alias again on teardown.
/// </summary>
internal sealed class GkeCloudProvider(
    MetadataClient metadata,
    NodeLocator locator,
    ComputeClient compute,
    RetryPolicy retry,
    SecondaryRangeReconciler ranges,
    AliasReconciler aliases,
    GuestAgentFix guestAgent,
    IOptions<GkeOptions> options,
    IHostFileSystem files,
    ILogger<GkeCloudProvider> logger) : ICloudProvider
{
    public string Platform => GkePlugin.PlatformName;

    /// <summary>
    /// GCE VMs say so in their DMI data; anything else is not GCE, and is not made to send a packet to the
    /// metadata address to find that out. An explicit <c>GCE_METADATA_HOST</c> is always probed.
    /// </summary>
    public async Task<bool> DetectAsync(CancellationToken cancellationToken) =>
        (options.Value.MetadataHostOverridden || GceHardware.IsGoogle(files))
        && await metadata.IsAvailableAsync(cancellationToken).ConfigureAwait(false);

    public async Task<ProvisionResult> ProvisionAsync(ProvisionRequest request, IProvisionCheckpoint checkpoint, CancellationToken cancellationToken)
    {
        var ips = Validate(request);
        var location = await locator.DiscoverAsync(cancellationToken).ConfigureAwait(false);
        logger.Located(location.Project, location.Zone, location.Instance);
        var instance = await retry.ExecuteAsync($"read {location.InstanceRef}",
            ct => compute.GetInstanceAsync(location.InstanceRef, ct), cancellationToken).ConfigureAwait(false);
        var nic = AliasRanges.Nic0(instance);
        var subnetwork = SubnetworkRef.FromUrl(nic.Subnetwork)
            ?? throw new GkeException($"{AliasRanges.Nic} of {location.InstanceRef} has no usable subnetwork ('{nic.Subnetwork}'); alias ranges need a subnet-mode VPC");

        // Start from what an earlier run recorded: a failure below must not lose it.
        var extra = new Dictionary<string, string>(request.Previous.Extra)
        {
            [ResourceKeys.Project] = location.Project,
            [ResourceKeys.Zone] = location.Zone,
            [ResourceKeys.Instance] = location.Instance,
            [ResourceKeys.Subnetwork] = subnetwork.Path,
        };
        CloudResources Resources() => new() { AliasRangeName = AliasRanges.RangeName, Extra = new Dictionary<string, string>(extra) };
        Task SaveAsync(CancellationToken ct) => checkpoint.SaveAsync(Resources(), ct);

        var changes = new List<string>();
        changes.AddRange(await ranges.EnsureAsync(subnetwork, request.Subnet, request.DryRun, SaveAsync, cancellationToken).ConfigureAwait(false));

        IPNetwork? stale = request.Previous.Extra.TryGetValue(ResourceKeys.AliasIpRange, out var previous)
            && Cidr.TryParse(previous, out var old) && old != request.Subnet ? old : null;
        // Recorded before the update: if it fails midway, teardown still knows what to look for.
        extra[ResourceKeys.AliasIpRange] = request.Subnet.ToString();
        changes.AddRange(await aliases.AddAsync(location, request.Subnet, stale, request.DryRun, SaveAsync, cancellationToken).ConfigureAwait(false));

        // The host backend applies the guest-agent fix; what it will change is recorded here, where the
        // checkpoint is, before it does.
        foreach (var (key, value) in guestAgent.Plan(request.Previous))
        {
            extra[key] = value;
        }

        if (!request.DryRun)
        {
            await SaveAsync(cancellationToken).ConfigureAwait(false);
        }

        return new ProvisionResult(ips, Resources(), changes);
    }

    public async Task<CloudStatus> GetStatusAsync(CloudResources resources, CancellationToken cancellationToken)
    {
        string live;
        try
        {
            var location = await locator.LocateAsync(resources, cancellationToken).ConfigureAwait(false);
            live = AliasRanges.Describe(await aliases.ListAsync(location, cancellationToken).ConfigureAwait(false));
        }
        catch (GkeException e)
        {
            live = $"unavailable: {e.Message}";
        }

        return new CloudStatus(
        [
            new StatusField("Aliases", live),
            new StatusField("GuestAgent", guestAgent.Describe(resources)),
        ]);
    }

    public async Task<IReadOnlyList<string>> TeardownAsync(TeardownRequest request, CancellationToken cancellationToken)
    {
        options.Value.ComputeBase();
        var extra = request.Resources.Extra;
        IPNetwork subnet;
        if (extra.TryGetValue(ResourceKeys.AliasIpRange, out var recorded) && Cidr.TryParse(recorded, out var cidr))
        {
            subnet = cidr;
        }
        else if (!extra.ContainsKey(ResourceKeys.Instance) && request.Resources.AliasRangeName is not null)
        {
            // State written by upstream cocoon-net: it records only the range name; the alias is the subnet.
            subnet = request.Subnet;
        }
        else
        {
            // init stopped before it got to the alias (it records it first): nothing of ours is in the cloud.
            logger.NoAliasRecorded();
            return [];
        }

        var location = await locator.LocateAsync(request.Resources, cancellationToken).ConfigureAwait(false);
        return await aliases.RemoveAsync(location, subnet, request.DryRun, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public string? ValidateRequest(ProvisionRequest request) =>
        request.Subnet.BaseAddress.AddressFamily != System.Net.Sockets.AddressFamily.InterNetwork || request.Subnet.PrefixLength is < 8 or > 29
            ? $"--subnet {request.Subnet}: a GCE alias IP range must be IPv4 /8 to /29; use a subnet in that range (e.g. 172.20.100.0/24)"
            : null;

    /// <summary>Everything that can be wrong with the request or the settings, checked before any call.</summary>
    private IReadOnlyList<IPAddress> Validate(ProvisionRequest request)
    {
        options.Value.MetadataBase();
        options.Value.ComputeBase();
        var subnet = request.Subnet;
        if (ValidateRequest(request) is { } problem)
        {
            throw new GkeException(problem);
        }

        if (!Cidr.TryParse(subnet.ToString(), out var canonical) || canonical != subnet)
        {
            throw new GkeException($"--subnet {subnet} is not a canonical network address");
        }

        if (!subnet.Contains(request.Gateway))
        {
            throw new GkeException($"--gateway {request.Gateway} is outside --subnet {subnet}");
        }

        if (request.PoolSize <= 0)
        {
            throw new GkeException($"--pool-size {request.PoolSize}: must be at least 1");
        }

        var ips = PoolAddresses.Of(subnet, request.Gateway, request.PoolSize);
        return ips.Count > 0 ? ips : throw new GkeException($"--subnet {subnet} leaves no address for VMs besides gateway {request.Gateway}");
    }
}
