#if !CONTRACT_2_0
namespace CocoonNet.Abstractions;

/// <summary>The type of a setting's value; the host checks values before anything runs (bad value: exit 2).</summary>
public enum SettingType
{
    /// <summary>Any text.</summary>
    Text = 0,

    /// <summary>A whole number (invariant culture).</summary>
    WholeNumber = 1,

    /// <summary><c>true</c> or <c>false</c>; as a flag, given alone means true.</summary>
    Switch = 2,
}

/// <summary>The commands a setting applies to (and is offered as a flag on).</summary>
[Flags]
public enum SettingCommands
{
    /// <summary>None: environment and config file only.</summary>
    None = 0,

    /// <summary><c>cocoon-net init</c>.</summary>
    Init = 1,

    /// <summary><c>cocoon-net adopt</c>.</summary>
    Adopt = 2,

    /// <summary><c>cocoon-net status</c>.</summary>
    Status = 4,

    /// <summary><c>cocoon-net teardown</c>.</summary>
    Teardown = 8,
}

/// <summary>
/// One setting a plugin declares in <see cref="ICocoonNetPlugin.Settings"/> and reads through
/// <see cref="IPluginSettings"/>. For a setting <c>security-group-id</c> of plugin <c>volcengine</c> the host
/// offers the flag <c>--security-group-id</c>, the environment variable
/// <c>COCOON_NET_VOLCENGINE_SECURITY_GROUP_ID</c> and the config file key
/// <c>plugins.volcengine.security-group-id</c>; flag over environment over file. Added in contract 2.1.
/// </summary>
public sealed record PluginSetting
{
    /// <summary>Lower-case letters, digits and '-', starting with a letter, e.g. <c>security-group-id</c>.</summary>
    public required string Name { get; init; }

    /// <summary>One line for <c>--help</c> and <c>cocoon-net plugins --verbose</c>.</summary>
    public required string Description { get; init; }

    /// <summary>The value's type.</summary>
    public SettingType Type { get; init; } = SettingType.Text;

    /// <summary>The value when none is given, or null for none.</summary>
    public string? Default { get; init; }

    /// <summary>
    /// A credential: never offered as a flag (command lines are visible to every user in <c>ps</c>), never
    /// printed, never recorded in pool.json.
    /// </summary>
    public bool Secret { get; init; }

    /// <summary>
    /// The value changes what a re-run does (e.g. which security group new ENIs get): it is recorded in
    /// pool.json and used by later runs that do not give it again. Ignored for secrets.
    /// </summary>
    public bool Recorded { get; init; }

    /// <summary>The commands that read it and offer it as a flag.</summary>
    public SettingCommands Commands { get; init; } = SettingCommands.Init;
}
#endif
