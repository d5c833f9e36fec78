using CocoonNet.Abstractions;
using CocoonNet.Host.Plugins;

namespace CocoonNet.Host.Settings;

/// <summary>Settings from <c>COCOON_NET_&lt;PLUGIN&gt;_&lt;NAME&gt;</c>, else the declared default.</summary>
internal sealed class EnvironmentSettingsSource : IPluginSettingsSource
{
    public IPluginSettings For(DiscoveredPlugin plugin)
    {
        var declared = plugin.Instance?.Settings ?? [];
        var values = new Dictionary<string, string?>(StringComparer.Ordinal);
        foreach (var setting in declared)
        {
            values[setting.Name] = Environment.GetEnvironmentVariable(VariableName(plugin.Name, setting.Name)) is { Length: > 0 } value
                ? value
                : setting.Default;
        }

        return new Values(values);
    }

    /// <summary><c>volcengine</c> + <c>security-group-id</c> → <c>COCOON_NET_VOLCENGINE_SECURITY_GROUP_ID</c>.</summary>
    public static string VariableName(string plugin, string setting) =>
        $"COCOON_NET_{plugin.ToUpperInvariant().Replace('-', '_')}_{setting.ToUpperInvariant().Replace('-', '_')}";

    private sealed class Values(Dictionary<string, string?> values) : IPluginSettings
    {
        public string? this[string name] => values.TryGetValue(name, out var value) ? value : null;
    }
}
