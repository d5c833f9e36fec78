namespace CocoonNet.Node.State;

/// <summary>The one rule for plugin, platform and setting names (pool.json records them, the catalog checks plugins).</summary>
internal static class PluginName
{
    /// <summary>Lower-case letters, digits and '-', starting with a letter, at most 32 characters.</summary>
    public static bool IsValid(string? name) =>
        name is { Length: >= 1 and <= 32 } && char.IsAsciiLetterLower(name[0])
        && name.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '-');
}
