using CocoonNet.Abstractions;
using CocoonNet.Providers.Volcengine.Api;
using CocoonNet.Providers.Volcengine.Credentials;
using CocoonNet.Providers.Volcengine.Host;
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
    public const string PlatformName = "volcengine";

    public string Name => "volcengine";

    public string Version => typeof(VolcenginePlugin).Assembly.GetName().Version?.ToString(3) ?? "0.0.0";

    public string Platform => PlatformName;

    public IReadOnlyList<PluginSetting> Settings => VolcengineSettings.Declared;

    public void ConfigureServices(IServiceCollection services) => services.AddVolcengine();
}

/// <summary>Registration of the plugin's services.</summary>
internal static class VolcengineServiceCollectionExtensions
{
    public static IServiceCollection AddVolcengine(this IServiceCollection services)
    {
        services.AddSingleton<IEnvironmentReader, ProcessEnvironment>();
        services.AddSingleton(sp => VolcengineSettings.From(sp.GetRequiredService<IEnvironmentReader>(), sp.GetRequiredService<IPluginSettings>()));
        services.AddSingleton<CredentialResolver>();
        services.AddSingleton<ApiSession>();
        services.AddSingleton<OpenApiRetry>();
        services.AddSingleton(sp => new RequestPacer(sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<VolcengineSettings>().RequestsPerSecond));
        // Metadata is link-local: a proxy must never see (or answer for) it. The API honours HTTPS_PROXY like
        // any client, since nodes often reach the public endpoint only through one. The factory's per-request
        // Information logs would drown the operator's output; the client logs retries itself.
        services.AddHttpClient<MetadataClient>().RemoveAllLoggers().ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler { UseProxy = false });
        services.AddHttpClient<OpenApiClient>(http => http.Timeout = Timeout.InfiniteTimeSpan)
            .RemoveAllLoggers()
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5) });
        services.AddSingleton<VpcApi>();
        services.AddSingleton<EniStatusBoard>();
        services.AddSingleton<StatusWaiter>();
        services.AddSingleton<NodeProvisioner>();
        services.AddSingleton<NodeTeardown>();
        services.AddSingleton<NodeStatus>();
        services.AddCloudProvider<VolcengineCloudProvider>();
        services.AddHostBackend<VolcengineHostBackend>();
        return services;
    }
}
