using CocoonNet.Abstractions;
using CocoonNet.Providers.Volcengine.Api;
using CocoonNet.Providers.Volcengine.Credentials;
using CocoonNet.Providers.Volcengine.Metadata;
using CocoonNet.Providers.Volcengine.Provisioning;
using Microsoft.Extensions.DependencyInjection;

namespace CocoonNet.Providers.Volcengine;

/// <summary>
/// Volcengine ECS: VPC-routable VM addresses as secondary private IPs of secondary ENIs in a dedicated VM
/// subnet, provisioned through the signed VPC OpenAPI (no ve CLI needed).
/// </summary>
public sealed class VolcenginePlugin : ICocoonNetPlugin
{
    public string Name => "volcengine";

    public string Version => typeof(VolcenginePlugin).Assembly.GetName().Version?.ToString(3) ?? "0.0.0";

    public int AbiVersion => PluginAbi.Version;

    public IReadOnlyList<string> Platforms { get; } = [VolcengineCloudProvider.PlatformName];

    public void ConfigureServices(IServiceCollection services) => services.AddVolcengine();
}

/// <summary>Registration of the plugin's internal services.</summary>
internal static class VolcengineServiceCollectionExtensions
{
    public static IServiceCollection AddVolcengine(this IServiceCollection services)
    {
        services.AddSingleton<IEnvironmentReader, ProcessEnvironment>();
        services.AddSingleton(sp => VolcengineSettings.FromEnvironment(sp.GetRequiredService<IEnvironmentReader>()));
        services.AddSingleton<CredentialResolver>();
        services.AddSingleton<ApiSession>();
        services.AddSingleton(new RetryPolicy());
        services.AddSingleton(sp => new RequestPacer(sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<VolcengineSettings>().RequestsPerSecond));
        // Metadata is link-local: a proxy must never see (or answer for) it. The API honours HTTPS_PROXY like
        // any client, since nodes often reach the public endpoint only through one. The factory's per-request
        // Information logs would drown the operator's output; the client logs retries itself.
        // Explicit names: typed clients are named after the type without its namespace, and every plugin
        // shares the host's factory (the GKE plugin has a MetadataClient too).
        services.AddHttpClient<MetadataClient>("volcengine-metadata").RemoveAllLoggers().ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler { UseProxy = false });
        services.AddHttpClient<OpenApiClient>("volcengine-openapi", http => http.Timeout = Timeout.InfiniteTimeSpan)
            .RemoveAllLoggers()
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5) });
        services.AddSingleton<VpcApi>();
        services.AddSingleton<EniStatusBoard>();
        services.AddSingleton<StatusWaiter>();
        services.AddSingleton<NodeProvisioner>();
        services.AddSingleton<NodeTeardown>();
        services.AddSingleton<NodeStatus>();
        return services;
    }
}
