namespace CocoonNet.Host.Plugins;

/// <summary>Where plugins are looked for: flag, then environment, then next to the executable, then the system dir.</summary>
internal static class PluginDirectory
{
    public const string Variable = "COCOON_NET_PLUGINS_DIR";
    public const string SystemDirectory = "/usr/lib/cocoon-net/plugins";

    public static string Resolve(string? flag)
    {
        if (!string.IsNullOrEmpty(flag))
        {
            return Path.GetFullPath(flag);
        }

        if (Environment.GetEnvironmentVariable(Variable) is { Length: > 0 } fromEnvironment)
        {
            return Path.GetFullPath(fromEnvironment);
        }

        var besideExecutable = Path.Combine(AppContext.BaseDirectory, "plugins");
        return Directory.Exists(besideExecutable) ? besideExecutable : SystemDirectory;
    }
}
