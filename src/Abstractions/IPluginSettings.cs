#if !CONTRACT_2_0
using System.Globalization;

namespace CocoonNet.Abstractions;

/// <summary>
/// The values of the plugin's declared settings for this run, resolved by the host: flag, else environment
/// variable, else <c>/etc/cocoon-net/config.json</c>, else the value recorded in pool.json (recorded settings
/// only), else the declared default. Values were checked against their <see cref="SettingType"/> before the
/// run began. Inject it; the host registers it in every plugin's container. Added in contract 2.1.
/// </summary>
public interface IPluginSettings
{
    /// <summary>The value of the setting <paramref name="name"/>, or null when it has none.</summary>
    string? this[string name] { get; }
}

/// <summary>Typed reads of <see cref="IPluginSettings"/>.</summary>
public static class PluginSettingsExtensions
{
    /// <summary>An <see cref="SettingType.WholeNumber"/> setting, or <paramref name="fallback"/> when unset.</summary>
    public static long GetInteger(this IPluginSettings settings, string name, long fallback)
    {
        ArgumentNullException.ThrowIfNull(settings);
        return settings[name] is { } text ? long.Parse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture) : fallback;
    }

    /// <summary>A <see cref="SettingType.Switch"/> setting, or <paramref name="fallback"/> when unset.</summary>
    public static bool GetBoolean(this IPluginSettings settings, string name, bool fallback)
    {
        ArgumentNullException.ThrowIfNull(settings);
        return settings[name] is { } text ? bool.Parse(text) : fallback;
    }
}
#endif
