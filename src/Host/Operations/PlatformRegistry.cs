using CocoonNet.Abstractions;
using CocoonNet.Host.Plugins;
using CocoonNet.Host.Logging;
using Microsoft.Extensions.Logging;

namespace CocoonNet.Host.Operations;

/// <summary>The loaded plugins' providers and backends by platform, and cloud detection across them.</summary>
internal sealed class PlatformRegistry(
    IEnumerable<ICloudProvider> providers,
    IEnumerable<IHostNetworkBackend> backends,
    IReadOnlyList<DiscoveredPlugin> plugins,
    ILogger<PlatformRegistry> logger)
{
    public const string Generic = "generic";

    private static readonly TimeSpan DetectionDeadline = TimeSpan.FromSeconds(2);

    private readonly IReadOnlyList<ICloudProvider> _providers = providers.ToList();
    private readonly IReadOnlyList<IHostNetworkBackend> _backends = backends.ToList();

    public IReadOnlyList<DiscoveredPlugin> Plugins => plugins;

    public IReadOnlyList<string> CloudPlatforms => _providers.Select(p => p.Platform).Distinct().Order().ToList();

    public IReadOnlyList<string> HostPlatforms => _backends.Select(b => b.Platform).Distinct().Order().ToList();

    public ICloudProvider? Provider(string platform) => _providers.FirstOrDefault(p => p.Platform == platform);

    public IHostNetworkBackend? Backend(string platform) => _backends.FirstOrDefault(b => b.Platform == platform);

    public DiscoveredPlugin? PluginOf(object implementation) =>
        plugins.FirstOrDefault(p => p.Assembly == implementation.GetType().Assembly);

    /// <summary>
    /// Asks every cloud provider concurrently, under one deadline. Returns the platforms that answered
    /// yes and a line per provider saying what it answered.
    /// </summary>
    public async Task<(IReadOnlyList<string> Detected, string Report)> DetectAsync(CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(DetectionDeadline);
        var probes = _providers.Select(async provider =>
        {
            try
            {
                return (provider.Platform, Answer: await provider.DetectAsync(deadline.Token).ConfigureAwait(false) ? "yes" : "no");
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                return (provider.Platform, Answer: $"no answer within {DetectionDeadline.TotalSeconds:0} s");
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                return (provider.Platform, Answer: $"error: {e.Message}");
            }
        });
        var answers = await Task.WhenAll(probes).ConfigureAwait(false);
        var report = answers.Length == 0 ? "no cloud plugin is loaded" : string.Join("; ", answers.Select(a => $"{a.Platform}: {a.Answer}"));
        logger.Detection(report);
        return (answers.Where(a => a.Answer == "yes").Select(a => a.Platform).ToList(), report);
    }
}
