using System.Globalization;
using CocoonNet.Abstractions;

namespace CocoonNet.Host.Settings;

/// <summary>Checks a value against its setting's type and puts it in the form plugins read.</summary>
internal static class SettingValues
{
    /// <summary>
    /// The value in canonical form (whole numbers in invariant digits, switches as <c>true</c>/<c>false</c>).
    /// <paramref name="where"/> names where it came from, as the error's first words (<c>--max-enis</c>,
    /// <c>COCOON_NET_X_Y=</c>, <c>/etc/cocoon-net/config.json: plugins.x.y</c>).
    /// </summary>
    /// <exception cref="UsageException">The value does not fit the type.</exception>
    public static string Normalize(PluginSetting setting, string value, string where)
    {
        var shown = setting.Secret ? "(secret value)" : Show(value);
        var separator = where.EndsWith('=') ? "" : " ";
        switch (setting.Type)
        {
            case SettingType.WholeNumber:
                return long.TryParse(value.Trim(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var number)
                    ? number.ToString(CultureInfo.InvariantCulture)
                    : throw new UsageException($"{where}{separator}{shown}: expected a whole number ({Hint(setting, where)})");
            case SettingType.Switch:
                return value.Trim().ToLowerInvariant() switch
                {
                    "true" => "true",
                    "false" => "false",
                    _ => throw new UsageException($"{where}{separator}{shown}: expected true or false ({Hint(setting, where)})"),
                };
            default:
                return value.Any(char.IsControl)
                    ? throw new UsageException($"{where}{separator}{shown}: contains a control character (newline, ...); give plain text")
                    : value;
        }
    }

    /// <summary>A value as typed, quoted when it is empty or has spaces, so a message shows it unambiguously.</summary>
    public static string Show(string value) =>
        value.Length == 0 || value.Any(c => char.IsWhiteSpace(c) || char.IsControl(c)) ? $"\"{Escape(value)}\"" : value;

    private static string Escape(string value) =>
        string.Concat(value.Select(c => char.IsControl(c) ? $"\\x{(int)c:x2}" : c.ToString()));

    private static string Hint(PluginSetting setting, string where) =>
        setting.Default is { } fallback && !setting.Secret ? $"default {fallback}" : $"a value for {setting.Name}";
}
