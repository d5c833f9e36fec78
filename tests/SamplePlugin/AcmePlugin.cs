using System.Net;
using CocoonNet.Abstractions;
using Microsoft.Extensions.DependencyInjection;

namespace Acme.CocoonNet.Plugin;

/// <summary>Entry point: names the plugin and registers its services (contract 2.0 members only).</summary>
public sealed class AcmePlugin : ICocoonNetPlugin
{
    public string Name => "acme";

    public string Version => "0.3.1";

    public string Platform => "acme";

    public void ConfigureServices(IServiceCollection services)
    {
        // The plugin's own registration of a type the host must not replace (issue 9's override case).
        services.AddSingleton(new AcmeCloud("rsv"));
        services.AddCloudProvider<AcmeCloudProvider>();
    }
}

/// <summary>Stands in for a cloud SDK client, configured by the plugin: its registration must be the one resolved.</summary>
public sealed class AcmeCloud(string prefix)
{
    public string ReservationOf(IPNetwork subnet) => $"{prefix}-{subnet.BaseAddress}";
}

/// <summary>"Reserves" the pool's first addresses; records the reservation before it claims it.</summary>
internal sealed class AcmeCloudProvider(AcmeCloud cloud) : ICloudProvider
{
    public Task<bool> DetectAsync(CancellationToken cancellationToken) =>
        Task.FromResult(Environment.GetEnvironmentVariable("ACME_CLOUD") == "1");

    public async Task<ProvisionResult> ProvisionAsync(ProvisionRequest request, IProvisionCheckpoint checkpoint, CancellationToken cancellationToken)
    {
        var reservation = cloud.ReservationOf(request.Subnet);
        var resources = CloudResources.None.WithValue("reservation", reservation);
        var fresh = request.Previous.Value("reservation") is null;
        if (!request.DryRun && fresh)
        {
            await checkpoint.SaveAsync(resources, cancellationToken).ConfigureAwait(false);
        }

        return new ProvisionResult
        {
            Ips = request.Pool.First(request.PoolSize),
            Resources = resources,
            Changes = fresh ? [PlanChange.Create($"reserve {request.Subnet}", $"as {reservation}")] : [],
        };
    }

    public Task<CloudStatus> GetStatusAsync(CloudResources resources, CancellationToken cancellationToken) =>
        Task.FromResult(new CloudStatus { Fields = [new StatusField { Label = "Reservation", Value = resources.Value("reservation") ?? "" }] });

    public Task<IReadOnlyList<PlanChange>> TeardownAsync(TeardownRequest request, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<PlanChange>>(request.Resources.Value("reservation") is { } id ? [PlanChange.Delete($"release {id}")] : []);
}
