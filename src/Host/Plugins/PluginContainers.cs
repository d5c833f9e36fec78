using CocoonNet.Host.Settings;
using Microsoft.Extensions.DependencyInjection;

namespace CocoonNet.Host.Plugins;

/// <summary>
/// The loaded plugins' containers, each built on first use: a run builds only the plugin it needs, since
/// creating every cloud client of every plugin would cost each run start-up time. Disposed with the host's.
/// </summary>
internal sealed class PluginContainers(IServiceProvider host, IPluginSettingsSource settings) : IAsyncDisposable
{
    private readonly Dictionary<string, ServiceProvider> _built = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();

    public IServiceProvider For(DiscoveredPlugin plugin)
    {
        lock (_gate)
        {
            if (!_built.TryGetValue(plugin.Name, out var container))
            {
                container = PluginContainer.Build(plugin, host, settings);
                _built[plugin.Name] = container;
            }

            return container;
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var container in _built.Values)
        {
            await container.DisposeAsync().ConfigureAwait(false);
        }

        _built.Clear();
    }
}
