using CocoonNet.Abstractions;
using CocoonNet.Host.Plugins;

namespace CocoonNet.Host.Settings;

/// <summary>Resolves a plugin's declared settings for this run (the plugin sees them as <see cref="IPluginSettings"/>).</summary>
internal interface IPluginSettingsSource
{
    IPluginSettings For(DiscoveredPlugin plugin);
}
