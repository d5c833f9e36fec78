using CocoonNet.Abstractions;
using Microsoft.Extensions.DependencyInjection;

namespace Acme.CocoonNet.Plugin;

/// <summary>Entry point: names the plugin and registers its private services.</summary>
public sealed class AcmePlugin : ICocoonNetPlugin
{
    public string Name => "acme";

    public string Version => "0.3.1";

    public string Platform => "acme";

    public void ConfigureServices(IServiceCollection services)
    {
        // The regression case of the silent override: a public settings class registered by instance must be
        // the one the provider gets (the host's scan used to re-register every public class as itself).
        services.AddSingleton(AcmeSettings.FromEnvironment());
        services.AddSingleton<AcmeCloud>();
        services.AddCloudProvider<AcmeCloudProvider>();
    }
}

/// <summary>A public class with a constructor the container cannot satisfy: only the plugin's instance works.</summary>
public sealed class AcmeSettings(string reservationPrefix)
{
    public string ReservationPrefix { get; } = reservationPrefix;

    public static AcmeSettings FromEnvironment() => new(Environment.GetEnvironmentVariable("ACME_RESERVATION_PREFIX") ?? "rsv");
}

/// <summary>Stands in for a cloud SDK client: hands out the pool's first addresses as "cloud-routed".</summary>
public sealed class AcmeCloud
{
    public IReadOnlyList<System.Net.IPAddress> Allocate(AddressPool pool, int count) => pool.First(count);
}

public sealed class AcmeCloudProvider(AcmeCloud cloud, AcmeSettings settings) : ICloudProvider
{
    private const string ReservationKey = "reservation";

    public Task<bool> DetectAsync(CancellationToken cancellationToken) =>
        Task.FromResult(Environment.GetEnvironmentVariable("ACME_CLOUD") == "1");

    public async Task<ProvisionResult> ProvisionAsync(ProvisionRequest request, IProvisionCheckpoint checkpoint, CancellationToken cancellationToken)
    {
        var resources = CloudResources.None
            .WithValue(CloudResources.SubnetIdKey, $"acme-subnet-{request.NodeName}")
            .WithValue(ReservationKey, $"{settings.ReservationPrefix}-{request.Subnet.BaseAddress}");
        var fresh = request.Previous.Value(CloudResources.SubnetIdKey) is null;
        if (!request.DryRun && fresh)
        {
            await checkpoint.SaveAsync(resources, cancellationToken);
        }

        return new ProvisionResult
        {
            Ips = cloud.Allocate(request.Pool, request.PoolSize),
            Resources = resources,
            Changes = fresh ? [PlanChange.Create($"reserve {request.Subnet}", $"as {resources.Value(CloudResources.SubnetIdKey)}")] : [],
        };
    }

    public Task<CloudStatus> GetStatusAsync(CloudResources resources, CancellationToken cancellationToken) =>
        Task.FromResult(new CloudStatus { Fields = [new StatusField { Label = "SubnetID", Value = resources.Value(CloudResources.SubnetIdKey) ?? "" }] });

    public Task<IReadOnlyList<PlanChange>> TeardownAsync(TeardownRequest request, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<PlanChange>>(
            request.Resources.Value(CloudResources.SubnetIdKey) is { } id ? [PlanChange.Delete($"release {id}")] : []);
}
