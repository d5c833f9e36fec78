using CocoonNet.Abstractions;
using Microsoft.Extensions.DependencyInjection;

namespace Acme.CocoonNet.Plugin;

/// <summary>Entry point: names the plugin and registers its private services.</summary>
public sealed class AcmePlugin : ICocoonNetPlugin
{
#if HANG_IN_CONSTRUCTOR
    public AcmePlugin() => Thread.Sleep(Timeout.Infinite);

#endif
    public string Name => "acme";

    public string Version => "0.3.1";

    public string Platform => "acme";

#if !CONTRACT_2_0
    // Contract 2.1: settings the host offers as --reservation-prefix (init), COCOON_NET_ACME_RESERVATION_PREFIX
    // and plugins.acme.reservation-prefix in /etc/cocoon-net/config.json. The acme-contract20 build has none.
    public IReadOnlyList<PluginSetting> Settings =>
    [
        new()
        {
            Name = "reservation-prefix",
            Description = "Prefix of the acme reservation names",
            Default = "rsv",
            Recorded = true,
            Commands = SettingCommands.Init,
        },
        new()
        {
            Name = "max-reservations",
            Description = "Most reservations per node",
            Type = SettingType.WholeNumber,
            Default = "8",
            Commands = SettingCommands.Init | SettingCommands.Status,
        },
        new() { Name = "api-token", Description = "acme API token", Secret = true, Commands = SettingCommands.Init | SettingCommands.Teardown },
    ];
#endif

    public void ConfigureServices(IServiceCollection services)
    {
#if HANG_IN_SERVICES
        Thread.Sleep(Timeout.Infinite);
#endif
        // A public settings class the plugin registers itself must be the one the provider gets: the host's scan
        // must not override it silently by re-registering every public class as itself.
#if CONTRACT_2_0
        services.AddSingleton(AcmeSettings.FromEnvironment());
#else
        services.AddSingleton(provider => AcmeSettings.From(provider.GetRequiredService<IPluginSettings>()));
#endif
        services.AddSingleton<AcmeCloud>();
        services.AddCloudProvider<AcmeCloudProvider>();
    }
}

/// <summary>A public class with a constructor the container cannot satisfy: only the plugin's registration works.</summary>
public sealed class AcmeSettings(string reservationPrefix)
{
    public string ReservationPrefix { get; } = reservationPrefix;

    public static AcmeSettings FromEnvironment() => new(Environment.GetEnvironmentVariable("ACME_RESERVATION_PREFIX") ?? "rsv");

#if !CONTRACT_2_0
    public static AcmeSettings From(IPluginSettings settings) => new(settings["reservation-prefix"] ?? "rsv");
#endif
}

/// <summary>
/// Stands in for a cloud SDK client: hands out the pool's first addresses as "cloud-routed", at most
/// <see cref="Limit"/> per node (a cloud limit: the host must show what the cloud gives, not what was asked).
/// </summary>
public sealed class AcmeCloud
{
    public const int Limit = 100;

    public IReadOnlyList<System.Net.IPAddress> Allocate(AddressPool pool, int count) => pool.First(Math.Min(count, Limit));
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
