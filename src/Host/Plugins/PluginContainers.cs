using CocoonNet.Abstractions;
using Microsoft.Extensions.DependencyInjection;

namespace CocoonNet.Host.Plugins;

/// <summary>
/// The loaded plugins' containers, each built on first use: a run builds only the plugin it needs, since
/// creating every cloud client of every plugin would cost each run start-up time. <paramref name="settings"/>
/// gives each plugin its settings as the run resolved them (pool.json's recorded values included) before any
/// container was built. Disposed with the host's.
/// </summary>
internal sealed class PluginContainers(IServiceProvider host, Func<DiscoveredPlugin, IPluginSettings> settings) : IAsyncDisposable
{
    private readonly Dictionary<string, ServiceProvider> _built = new(StringComparer.Ordinal);

    // A plugin that failed once fails the same way again: its ConfigureServices is not run (nor waited for) twice.
    private readonly Dictionary<string, PluginConfigurationException> _failed = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();

    public IServiceProvider For(DiscoveredPlugin plugin)
    {
        lock (_gate)
        {
            if (_failed.TryGetValue(plugin.Name, out var failure))
            {
                throw new PluginConfigurationException(failure.Message, failure);
            }

            if (!_built.TryGetValue(plugin.Name, out var container))
            {
                try
                {
                    container = PluginContainer.Build(plugin, host, settings(plugin));
                }
                catch (PluginConfigurationException e)
                {
                    _failed[plugin.Name] = e;
                    throw;
                }

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
