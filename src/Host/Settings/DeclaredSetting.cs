using CocoonNet.Abstractions;

namespace CocoonNet.Host.Settings;

/// <summary>
/// One setting a loaded plugin declares, with every name the host gives it: the flag (or why there is
/// none), the environment variable and the config file key.
/// </summary>
internal sealed record DeclaredSetting(string Plugin, PluginSetting Setting, string? Flag, string? WhyNoFlag)
{
    public string Name => Setting.Name;

    /// <summary><c>volcengine</c> + <c>security-group-id</c> → <c>COCOON_NET_VOLCENGINE_SECURITY_GROUP_ID</c>.</summary>
    public string VariableName => VariableNameOf(Plugin, Name);

    /// <summary><c>plugins.volcengine.security-group-id</c>: the key in config.json.</summary>
    public string ConfigKey => $"plugins.{Plugin}.{Name}";

    /// <summary>Recorded in pool.json: declared so, and never a secret.</summary>
    public bool IsRecorded => Setting.Recorded && !Setting.Secret;

    /// <summary>True when the setting applies to <paramref name="command"/> (and is a flag there, if it has one).</summary>
    public bool AppliesTo(SettingCommands command) => command != SettingCommands.None && Setting.Commands.HasFlag(command);

    public static string VariableNameOf(string plugin, string setting) =>
        $"COCOON_NET_{plugin.ToUpperInvariant().Replace('-', '_')}_{setting.ToUpperInvariant().Replace('-', '_')}";

    /// <summary>The command of that name as a <see cref="SettingCommands"/> value; None for commands settings do not apply to.</summary>
    public static SettingCommands CommandOf(string name) => name switch
    {
        // The agent runs init (--mode init) or serves what init recorded: it takes init's plugin settings.
        "init" or "agent" => SettingCommands.Init,
        "adopt" => SettingCommands.Adopt,
        "status" => SettingCommands.Status,
        "teardown" => SettingCommands.Teardown,
        _ => SettingCommands.None,
    };

    /// <summary>The names of the commands in <paramref name="commands"/>, in the CLI's order.</summary>
    public static IReadOnlyList<string> CommandNames(SettingCommands commands) =>
        new[] { ("init", SettingCommands.Init), ("adopt", SettingCommands.Adopt), ("status", SettingCommands.Status), ("teardown", SettingCommands.Teardown) }
            .Where(c => commands.HasFlag(c.Item2)).Select(c => c.Item1).ToList();
}
