namespace CocoonNet.Host.Plugins;

/// <summary>
/// The plugins found before the command line was parsed (their settings are its flags), and how long
/// finding them took, for the debug log.
/// </summary>
internal sealed record PluginDiscovery(IReadOnlyList<DiscoveredPlugin> Plugins, double Milliseconds)
{
    public static PluginDiscovery None { get; } = new([], 0);
}
