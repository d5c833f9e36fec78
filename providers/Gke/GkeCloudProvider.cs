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
    ComputeRetry retry,
    SecondaryRangeReconciler ranges,
    AliasReconciler aliases,
    GuestAgentFix guestAgent,
    IOptions<GkeOptions> options,
    IHostFileSystem files,
    ILogger<GkeCloudProvider> logger) : ICloudProvider, IDetectionFallback
{
    /// <summary>
    /// GCE VMs say so in their DMI data; anything else is not GCE, and is not made to send a packet to the
    /// metadata address to find that out. An explicit <c>GCE_METADATA_HOST</c> is always probed.
    /// </summary>
    public async Task<bool> DetectAsync(CancellationToken cancellationToken) =>
        SeesLocalSignal() && await metadata.IsAvailableAsync(cancellationToken).ConfigureAwait(false);

    public bool SeesLocalSignal() => options.Value.MetadataHostOverridden || GceHardware.IsGoogle(files);

    /// <summary>
    /// The metadata server at its default address (the host asks only when <c>GCE_METADATA_HOST</c> is unset):
    /// yes only on a 200 carrying <c>Metadata-Flavor: Google</c>, the check Google's own client libraries make
    /// (google-auth-library-python <c>google/auth/compute_engine/_metadata.py</c> <c>ping</c>, and
    /// googleapis/google-cloud-go <c>compute/metadata</c> <c>OnGCE</c>, which require that response header).
    /// </summary>
    public Task<bool> ProbeAsync(CancellationToken cancellationToken) => metadata.IsAvailableAsync(cancellationToken);

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
        var resources = ResourceKeys.Upgrade(request.Previous)
            .WithValue(CloudResources.AliasRangeNameKey, AliasRanges.RangeName)
            .WithValue(ResourceKeys.Project, location.Project)
            .WithValue(ResourceKeys.Zone, location.Zone)
            .WithValue(ResourceKeys.Instance, location.Instance)
            .WithValue(ResourceKeys.Subnetwork, subnetwork.Path);
        Task SaveAsync(CancellationToken ct) => checkpoint.SaveAsync(resources, ct);

        var changes = new List<PlanChange>();
        changes.AddRange(await ranges.EnsureAsync(subnetwork, request.Subnet, request.DryRun, SaveAsync, cancellationToken).ConfigureAwait(false));

        IPNetwork? stale = Cidr.TryParse(request.Previous.Value(ResourceKeys.AliasIpRange), out var old) && old != request.Subnet ? old : null;
        // Recorded before the update: if it fails midway, teardown still knows what to look for.
        resources = resources.WithValue(ResourceKeys.AliasIpRange, request.Subnet.ToString());
        changes.AddRange(await aliases.AddAsync(location, request.Subnet, stale, request.DryRun, SaveAsync, cancellationToken).ConfigureAwait(false));

        // The host backend applies the guest-agent fix; what it will change is recorded here, where the
        // checkpoint is, before it does.
        foreach (var (key, value) in guestAgent.Plan(resources))
        {
            resources = resources.WithValue(key, value);
        }

        if (!request.DryRun)
        {
            await SaveAsync(cancellationToken).ConfigureAwait(false);
        }

        return new ProvisionResult { Ips = ips, Resources = resources, Changes = changes };
    }

    /// <summary>
    /// nic0's aliases, and (contract 2.2) drift: the alias range pool.json records missing or changed on nic0, or
    /// the subnetwork's secondary range gone. Two reads (instance, subnetwork); an API failure is
    /// <c>Reachable = false</c>, never drift.
    /// </summary>
    public async Task<CloudStatus> GetStatusAsync(CloudResources resources, CancellationToken cancellationToken)
    {
        string live;
        IReadOnlyList<string> drift = [];
        var reachable = true;
        try
        {
            var location = await locator.LocateAsync(resources, cancellationToken).ConfigureAwait(false);
            var instance = await retry.ExecuteAsync($"read {location.InstanceRef}",
                ct => compute.GetInstanceAsync(location.InstanceRef, ct), cancellationToken).ConfigureAwait(false);
            var nic = AliasRanges.Nic0(instance);
            live = AliasRanges.Describe(nic.AliasIpRanges);
            if (Cidr.TryParse(resources.Value(ResourceKeys.AliasIpRange), out var recorded))
            {
                var subnetwork = SubnetworkRef.FromUrl(resources.Value(ResourceKeys.Subnetwork)) ?? SubnetworkRef.FromUrl(nic.Subnetwork);
                var ranges = subnetwork is null
                    ? null
                    : (await retry.ExecuteAsync($"read {subnetwork}", ct => compute.GetSubnetworkAsync(subnetwork, ct), cancellationToken)
                        .ConfigureAwait(false)).SecondaryIpRanges;
                drift = AliasDrift.Find(recorded, nic.AliasIpRanges, subnetwork, ranges);
            }
        }
        catch (GkeException e)
        {
            live = $"unavailable: {e.Message}";
            reachable = false;
        }

        return new CloudStatus
        {
            Fields =
            [
                new StatusField { Label = "Aliases", Value = live },
                new StatusField { Label = "GuestAgent", Value = guestAgent.Describe(resources) },
            ],
            Drift = drift,
            Reachable = reachable,
        };
    }

    /// <summary>One minute unless <c>COCOON_NET_GKE_MIN_STATUS_INTERVAL_SECONDS</c> says otherwise (see <see cref="GkeOptions"/>).</summary>
    public TimeSpan MinimumStatusInterval => options.Value.MinimumStatusInterval;

    public async Task<IReadOnlyList<PlanChange>> TeardownAsync(TeardownRequest request, CancellationToken cancellationToken)
    {
        options.Value.ComputeBase();
        var recorded = request.Resources;
        IPNetwork subnet;
        if (Cidr.TryParse(recorded.Value(ResourceKeys.AliasIpRange), out var cidr))
        {
            subnet = cidr;
        }
        else if (recorded.Value(ResourceKeys.Instance) is null && recorded.Value(CloudResources.AliasRangeNameKey) is not null)
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

    /// <summary>GCE's own limit on alias IP ranges, checked before anything runs.</summary>
    public ValueTask<string?> ValidateAsync(ProvisionRequest request, CancellationToken cancellationToken) =>
        ValueTask.FromResult(Problem(request));

    private static string? Problem(ProvisionRequest request) =>
        request.Subnet.PrefixLength is < 8 or > 29
            ? $"--subnet {request.Subnet}: a GCE alias IP range must be IPv4 /8 to /29; use a subnet in that range (e.g. 172.20.100.0/24)"
            : null;

    /// <summary>Everything that can be wrong with the request or the settings, checked before any call.</summary>
    private IReadOnlyList<IPAddress> Validate(ProvisionRequest request)
    {
        options.Value.MetadataBase();
        options.Value.ComputeBase();
        // The host has checked these already (ValidateAsync included); a second look costs nothing and keeps
        // this provider safe when driven by something else.
        if (Problem(request) is { } problem)
        {
            throw new GkeException(problem);
        }

        if (request.PoolSize <= 0)
        {
            throw new GkeException($"--pool-size {request.PoolSize}: must be at least 1");
        }

        // The whole range is routed to the node, so any candidate address may be handed out.
        var ips = request.Pool.First(request.PoolSize);
        return ips.Count > 0 ? ips : throw new GkeException($"--subnet {request.Subnet} leaves no address for VMs besides gateway {request.Gateway}");
    }
}
