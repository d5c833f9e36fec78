using System.Net;
using CocoonNet.Abstractions;
using CocoonNet.Providers.Gke.Auth;
using CocoonNet.Providers.Gke.Compute;
using CocoonNet.Providers.Gke.GuestAgent;
using CocoonNet.Providers.Gke.Metadata;
using CocoonNet.Providers.Gke.Provisioning;
using Microsoft.Extensions.DependencyInjection;

namespace CocoonNet.Providers.Gke;

/// <summary>
/// Serves platform <c>gke</c>: a GCE VM (GKE node) whose VM subnet is routed to it as an alias IP range on
/// nic0, taken from the subnetwork's shared secondary range <c>cocoon-pods</c>.
/// </summary>
/// <remarks>
/// No plugin settings: both endpoints the plugin talks to are configured by Google's own variables
/// (<c>GCE_METADATA_HOST</c>, <c>CLOUDSDK_API_ENDPOINT_OVERRIDES_COMPUTE</c>), so one setting serves Google's
/// tools and this plugin alike (see <see cref="GkeOptions"/>).
/// </remarks>
public sealed class GkePlugin : ICocoonNetPlugin
{
    public const string PlatformName = "gke";

    public string Name => "gke";

    public string Version => typeof(GkePlugin).Assembly.GetName().Version?.ToString(3) ?? "0.0.0";

    public string Platform => PlatformName;

    public void ConfigureServices(IServiceCollection services)
    {
        // Settings are read here but validated only when a command needs them: a bad override must not
        // stop `cocoon-net plugins` or another platform's commands from working.
        services.AddOptions<GkeOptions>().Configure(options => options.LoadFromEnvironment());

        // The metadata server is link-local: a proxy must never see (or answer for) it, and it never redirects.
        services.AddHttpClient<MetadataClient>(client => client.Timeout = Timeout.InfiniteTimeSpan)
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler
            {
                UseProxy = false,
                AllowAutoRedirect = false,
                ConnectTimeout = TimeSpan.FromSeconds(1),
            })
            .RemoveAllLoggers();
        services.AddHttpClient<ComputeClient>(client => client.Timeout = Timeout.InfiniteTimeSpan)
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler
            {
                AllowAutoRedirect = false,
                ConnectTimeout = TimeSpan.FromSeconds(10),
                AutomaticDecompression = DecompressionMethods.All,
            })
            // The factory's own per-request Information logs would flood stderr; ComputeClient logs each call at debug.
            .RemoveAllLoggers();

        services.AddSingleton<IAccessTokenSource, ApplicationDefaultTokenSource>();
        services.AddSingleton<ComputeTimings>();
        services.AddSingleton<ComputeRetry>();
        services.AddSingleton<OperationWaiter>();
        services.AddSingleton<NodeLocator>();
        services.AddSingleton<SecondaryRangeReconciler>();
        services.AddSingleton<AliasReconciler>();
        services.AddSingleton<IProcessRunner, ProcessRunner>();
        services.AddSingleton<IGuestAgentService, SystemdGuestAgentService>();
        services.AddSingleton<GuestAgentFix>();

        services.AddCloudProvider<GkeCloudProvider>();
        services.AddHostBackend<GkeHostBackend>();
    }
}
