using System.Net;
using System.Text.RegularExpressions;
using CocoonNet.Abstractions;
using Microsoft.Extensions.Logging;

namespace ExampleCloud;

/// <summary>
/// The cloud side of the example cloud: gives the node a reservation of VPC addresses (the first
/// <see cref="ProvisionRequest.PoolSize"/> candidates of the pool), reports it, and releases it. cocoon-net's
/// host pipeline does everything on the host (bridge, routes, iptables, DHCP) with the addresses returned here.
/// </summary>
internal sealed partial class MyCloudProvider(
    MyCloudApi api,
    IHostFileSystem files,
    IPluginSettings settings,
    ILogger<MyCloudProvider> logger) : ICloudProvider
{
    /// <summary>A file only instances of the example cloud have (a real cloud: DMI data, cloud-init's instance data).</summary>
    internal const string InstanceMarker = "/etc/examplecloud/instance-id";

    /// <summary>pool.json key (under <c>cloud</c>) naming the node's reservation.</summary>
    internal const string ReservationKey = "reservation";

    /// <summary>pool.json key (under <c>cloud</c>) naming the reservation's zone.</summary>
    internal const string ZoneKey = "zone";

    /// <summary>The example cloud's limit: addresses per reservation.</summary>
    internal const int MaxAddresses = 250;

    /// <summary>
    /// A cheap local signal first: without the instance marker this is not an example-cloud instance and the
    /// answer is no, at once. A real provider would read <c>/sys/class/dmi/id/sys_vendor</c> (through
    /// <see cref="IHostFileSystem"/>) and only then confirm with its metadata server, honouring the token.
    /// </summary>
    public Task<bool> DetectAsync(CancellationToken cancellationToken) =>
        Task.FromResult(File.Exists(files.PathOf(InstanceMarker)));

    /// <summary>The cloud's fixed limits, checked before anything changes (the host exits 2 on a message).</summary>
    public ValueTask<string?> ValidateAsync(ProvisionRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        string? problem = null;
        if (request.Subnet.PrefixLength < 16)
        {
            problem = $"--subnet {request.Subnet}: the example cloud reserves at most a /16; use a longer prefix (e.g. 172.20.100.0/24)";
        }
        else if (request.PoolSize > MaxAddresses)
        {
            problem = $"--pool-size {request.PoolSize}: the example cloud reserves at most {MaxAddresses} addresses per node; use {MaxAddresses} or fewer";
        }
        else if (!ZonePattern().IsMatch(Zone))
        {
            problem = $"--zone {Zone}: expected lower-case letters, digits and '-' (e.g. {MyCloudPlugin.DefaultZone})";
        }

        return ValueTask.FromResult(problem);
    }

    /// <summary>
    /// Idempotent: finds the node's reservation by its name first and changes nothing when it already matches.
    /// Before the one mutation it records the reservation's name in pool.json (the checkpoint), so a run killed
    /// during the call leaves a pool.json from which a re-run resumes and teardown releases it.
    /// </summary>
    public async Task<ProvisionResult> ProvisionAsync(ProvisionRequest request, IProvisionCheckpoint checkpoint, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(checkpoint);
        var name = request.Previous.Value(ReservationKey) ?? $"{request.NodeName}-vms";
        var wanted = new Reservation
        {
            Name = name,
            Zone = Zone,
            Subnet = request.Subnet.ToString(),
            Addresses = request.Pool.First(request.PoolSize).Select(address => address.ToString()).ToArray(),
        };
        var resources = request.Previous.WithValue(ReservationKey, name).WithValue(ZoneKey, wanted.Zone);
        var existing = await api.FindAsync(name, cancellationToken).ConfigureAwait(false);
        if (existing is not null && existing.SameAs(wanted))
        {
            return new ProvisionResult { Ips = Parse(existing.Addresses), Resources = resources };
        }

        var detail = $"({wanted.Addresses.Count} addresses of {wanted.Subnet} in {wanted.Zone})";
        var change = existing is null
            ? PlanChange.Create($"reserve {name}", detail)
            : PlanChange.Update($"resize reservation {name}", detail);
        if (request.DryRun)
        {
            return new ProvisionResult { Ips = Parse(wanted.Addresses), Resources = resources, Changes = [change] };
        }

        await checkpoint.SaveAsync(resources, cancellationToken).ConfigureAwait(false);
        await api.PutAsync(wanted, cancellationToken).ConfigureAwait(false);
        LogReserved(name, wanted.Addresses.Count, wanted.Zone);
        return new ProvisionResult { Ips = Parse(wanted.Addresses), Resources = resources, Changes = [change] };
    }

    /// <summary>Live facts for <c>cocoon-net status</c>.</summary>
    public async Task<CloudStatus> GetStatusAsync(CloudResources resources, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(resources);
        if (resources.Value(ReservationKey) is not { } name)
        {
            return CloudStatus.None;
        }

        var reservation = await api.FindAsync(name, cancellationToken).ConfigureAwait(false);
        var value = reservation is null ? $"{name} (missing)" : $"{name} ({reservation.Addresses.Count} addresses in {reservation.Zone})";
        return new CloudStatus { Fields = [new StatusField { Label = "Reservation", Value = value }] };
    }

    /// <summary>Releases exactly what pool.json records; a reservation already gone is not an error.</summary>
    public async Task<IReadOnlyList<PlanChange>> TeardownAsync(TeardownRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.Resources.Value(ReservationKey) is not { } name
            || await api.FindAsync(name, cancellationToken).ConfigureAwait(false) is not { } reservation)
        {
            return [];
        }

        var change = PlanChange.Delete($"release {name}", $"({reservation.Addresses.Count} addresses)");
        if (!request.DryRun && await api.DeleteAsync(name, cancellationToken).ConfigureAwait(false))
        {
            LogReleased(name);
        }

        return [change];
    }

    private string Zone => settings[MyCloudPlugin.ZoneSetting] ?? MyCloudPlugin.DefaultZone;

    private static IPAddress[] Parse(IEnumerable<string> addresses) => addresses.Select(IPAddress.Parse).ToArray();

    [GeneratedRegex("^[a-z][a-z0-9-]{0,62}$")]
    private static partial Regex ZonePattern();

    [LoggerMessage(Level = LogLevel.Information, Message = "reserved {Name}: {Count} addresses in {Zone}")]
    private partial void LogReserved(string name, int count, string zone);

    [LoggerMessage(Level = LogLevel.Information, Message = "released {Name}")]
    private partial void LogReleased(string name);
}
