using CocoonNet.Abstractions;
using CocoonNet.Node.State;
using Microsoft.Extensions.DependencyInjection;
using CocoonNet.Host.Logging;
using Microsoft.Extensions.Logging;

namespace CocoonNet.Host.Plugins;

/// <summary>The loaded plugins' providers and backends by platform, and cloud detection across them.</summary>
internal sealed class PlatformRegistry(
    PluginContainers containers,
    IReadOnlyList<DiscoveredPlugin> plugins,
    ILogger<PlatformRegistry> logger)
{
    public const string Generic = "generic";

    private static readonly TimeSpan DetectionDeadline = TimeSpan.FromSeconds(2);

    /// <summary>Platforms with a cloud provider (builds every plugin's container: for messages and detection only).</summary>
    public IReadOnlyList<string> CloudPlatforms => Providers().Select(p => p.Platform).Order(StringComparer.Ordinal).ToList();

    /// <summary>Platforms of every loaded plugin: each can configure the host (a backend is optional).</summary>
    public IReadOnlyList<string> HostPlatforms => Loaded.Select(p => p.Platform!).Order(StringComparer.Ordinal).ToList();

    /// <summary>The plugin serving <paramref name="platform"/>, or null.</summary>
    public DiscoveredPlugin? PluginFor(string platform) => Loaded.FirstOrDefault(p => p.Platform == platform);

    /// <summary>The cloud provider for <paramref name="platform"/>; only that plugin's container is built.</summary>
    public ICloudProvider? Provider(string platform) =>
        PluginFor(platform) is { } plugin ? Resolve<ICloudProvider>(plugin, "cloud provider") : null;

    /// <summary>The plugin's host backend, or the plain Linux one when it registers none; null when no plugin serves the platform.</summary>
    public IHostNetworkBackend? Backend(string platform) =>
        PluginFor(platform) is { } plugin ? Resolve<IHostNetworkBackend>(plugin, "host backend") ?? PlainLinuxBackend.Instance : null;

    /// <summary>A plugin's service; a registration it cannot satisfy is the plugin's defect, reported as such.</summary>
    private T? Resolve<T>(DiscoveredPlugin plugin, string what)
        where T : class
    {
        var container = containers.For(plugin);
        try
        {
            return container.GetService<T>();
        }
        catch (InvalidOperationException e)
        {
            throw new PluginConfigurationException($"plugin {plugin.Name} cannot create its {what} (a defect of the plugin; report it to its author): {e.Message}", e);
        }
    }

    private IEnumerable<DiscoveredPlugin> Loaded => plugins.Where(p => p.IsLoaded);

    /// <summary>Every plugin's provider; a plugin whose registrations are broken is reported and left out, not fatal to the others.</summary>
    private List<(string Platform, ICloudProvider Provider)> Providers()
    {
        var providers = new List<(string, ICloudProvider)>();
        foreach (var plugin in Loaded)
        {
            try
            {
                if (Resolve<ICloudProvider>(plugin, "cloud provider") is { } provider)
                {
                    providers.Add((plugin.Platform!, provider));
                }
            }
            catch (PluginConfigurationException e)
            {
                logger.PluginUnusable(e.Message);
            }
        }

        return providers;
    }

    /// <summary>
    /// The platform of a run: the flag (which must agree with pool.json), else the one pool.json records
    /// (re-runs never probe again), else what cloud detection finds; with nothing detected,
    /// <paramref name="fallback"/> or a usage error naming what was probed and what answered.
    /// </summary>
    public async Task<string> ResolveAsync(string? flag, PoolState? previous, string? fallback, CancellationToken cancellationToken)
    {
        if (flag is not null)
        {
            return previous is null || previous.Platform == flag
                ? flag
                : throw new UsageException(
                    $"--platform {flag} differs from {previous.Platform} recorded in pool.json; run 'cocoon-net teardown' first to change platform");
        }

        if (previous is not null)
        {
            logger.PlatformFromState(previous.Platform);
            return previous.Platform;
        }

        var (detected, report) = await DetectAsync(cancellationToken).ConfigureAwait(false);
        switch (detected.Count)
        {
            case 1:
                logger.Detected(detected[0]);
                return detected[0];
            case 0 when fallback is not null:
                logger.AdoptingGeneric(report, fallback);
                return fallback;
            case 0:
                throw new UsageException($"could not detect the cloud platform ({report}); pass --platform");
            default:
                throw new UsageException($"cloud detection is ambiguous ({report}); pass --platform");
        }
    }

    /// <summary>
    /// Cloud detection across every loaded provider (<see cref="CloudDetection"/>: local signals first, metadata
    /// probes only when no cloud shows one), under one deadline. Returns the platforms that answered yes and a
    /// clause per provider saying what it saw and answered.
    /// </summary>
    public Task<(IReadOnlyList<string> Detected, string Report)> DetectAsync(CancellationToken cancellationToken) =>
        new CloudDetection(DetectionDeadline, logger).RunAsync(Providers(), cancellationToken);
}
