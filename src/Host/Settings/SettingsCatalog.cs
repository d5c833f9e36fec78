using System.CommandLine;
using CocoonNet.Abstractions;
using CocoonNet.Host.Plugins;

namespace CocoonNet.Host.Settings;

/// <summary>
/// Every loaded plugin's declared settings and the flags they become. A flag is <c>--&lt;name&gt;</c> on the
/// commands the setting names, except for secrets (command lines are visible in <c>ps</c>) and names that
/// clash with one of cocoon-net's own options (those keep their variable and config key). Two plugins
/// declaring the same name share one flag; its value goes to whichever plugin runs.
/// </summary>
internal sealed class SettingsCatalog
{
    private readonly Dictionary<string, Option<string?>> _flags;

    private SettingsCatalog(IReadOnlyList<DeclaredSetting> all, Dictionary<string, Option<string?>> flags)
    {
        All = all;
        _flags = flags;
    }

    public static SettingsCatalog Empty { get; } = new([], []);

    /// <summary>Every declared setting, by plugin in discovery order, each plugin's in its declared order.</summary>
    public IReadOnlyList<DeclaredSetting> All { get; }

    /// <summary>The flags, one per distinct name.</summary>
    public IEnumerable<Option<string?>> Flags => _flags.Values;

    public IEnumerable<DeclaredSetting> For(string plugin) => All.Where(s => s.Plugin == plugin);

    /// <summary>The flag option of <paramref name="setting"/>, or null when it has none.</summary>
    public Option<string?>? FlagOf(DeclaredSetting setting) => setting.Flag is { } flag && _flags.TryGetValue(flag, out var option) ? option : null;

    /// <summary>The flags to add to <paramref name="command"/>.</summary>
    public IEnumerable<Option<string?>> FlagsFor(SettingCommands command) =>
        _flags.Values.Where(option => All.Any(s => s.Flag == option.Name && s.AppliesTo(command)));

    /// <summary>The settings of the loaded <paramref name="plugins"/>; <paramref name="hostOptions"/> are cocoon-net's own option names and aliases.</summary>
    public static SettingsCatalog Build(IEnumerable<DiscoveredPlugin> plugins, IReadOnlySet<string> hostOptions)
    {
        var all = new List<DeclaredSetting>();
        var flags = new Dictionary<string, Option<string?>>(StringComparer.Ordinal);
        foreach (var plugin in plugins.Where(p => p.IsLoaded))
        {
            foreach (var setting in plugin.Settings)
            {
                var flag = "--" + setting.Name;
                var whyNot = setting.Secret
                    ? "a secret, never on the command line, where every user sees it in ps"
                    : setting.Commands == SettingCommands.None
                        ? "no command takes it as a flag"
                        : hostOptions.Contains(flag)
                            ? $"{flag} is one of cocoon-net's own options"
                            : null;
                if (whyNot is null)
                {
                    if (!flags.TryGetValue(flag, out var option))
                    {
                        // Hidden: --help lists plugin flags in a section per plugin, after the host's own.
                        flags[flag] = option = new Option<string?>(flag) { Description = setting.Description, Hidden = true };
                    }

                    if (setting.Type == SettingType.Switch)
                    {
                        option.Arity = ArgumentArity.ZeroOrOne;
                    }
                }

                all.Add(new DeclaredSetting(plugin.Name, setting, whyNot is null ? flag : null, whyNot));
            }
        }

        return new SettingsCatalog(all, flags);
    }
}
