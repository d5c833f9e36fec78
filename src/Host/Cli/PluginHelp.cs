using CocoonNet.Abstractions;
using CocoonNet.Host.Settings;

namespace CocoonNet.Host.Cli;

/// <summary>
/// The plugins' settings in a command's --help: a section per plugin after the host's own options, so a
/// plugin's flag is never mistaken for one of cocoon-net's. Settings without a flag (secrets, clashes)
/// are listed by their environment variable.
/// </summary>
internal static class PluginHelp
{
    public static void Write(SettingsCatalog catalog, string command, TextWriter output)
    {
        var applies = DeclaredSetting.CommandOf(command);
        if (applies == SettingCommands.None)
        {
            return;
        }

        foreach (var group in catalog.All.Where(s => s.AppliesTo(applies)).GroupBy(s => s.Plugin))
        {
            var rows = group.Select(s => (Left: Left(s), Right: Right(s))).ToList();
            var width = rows.Max(r => r.Left.Length) + 2;
            output.WriteLine($"{group.Key} plugin options:");
            foreach (var (left, right) in rows)
            {
                output.WriteLine($"  {left.PadRight(width)}{right}");
            }

            output.WriteLine();
        }
    }

    private static string Left(DeclaredSetting setting) => setting.Flag is { } flag
        ? setting.Setting.Type switch
        {
            SettingType.Switch => $"{flag}[=true|false]",
            SettingType.WholeNumber => $"{flag} <number>",
            _ => $"{flag} <value>",
        }
        : $"${setting.VariableName}";

    private static string Right(DeclaredSetting setting)
    {
        var notes = new List<string>();
        if (setting.Setting.Default is { } fallback && !setting.Setting.Secret)
        {
            notes.Add($"default {fallback}");
        }

        if (setting.Flag is not null)
        {
            notes.Add($"or ${setting.VariableName}");
        }
        else
        {
            notes.Add(setting.Setting.Secret ? "secret: variable or config.json only" : $"no flag: {setting.WhyNoFlag}");
        }

        if (setting.IsRecorded)
        {
            notes.Add("remembered in pool.json");
        }

        return $"{setting.Setting.Description} ({string.Join("; ", notes)})";
    }
}
