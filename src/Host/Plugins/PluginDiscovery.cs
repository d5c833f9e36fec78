namespace CocoonNet.Host.Plugins;

/// <summary>
/// The plugins this run loaded (every one, or only the one pool.json names) and how long loading them
/// took, for the debug log.
/// </summary>
internal sealed record PluginDiscovery(IReadOnlyList<DiscoveredPlugin> Plugins, double Milliseconds)
{
    /// <summary>The command uses no plugin: none was loaded, nor was the plugins directory looked at.</summary>
    public static PluginDiscovery None { get; } = new([], 0) { NotLoaded = true };

    public bool NotLoaded { get; private init; }
}
