using System.Reflection;

namespace CocoonNet.Host;

/// <summary>cocoon-net's own version, and <c>cocoon-net --version</c>, which answers before anything else is loaded.</summary>
internal static class HostVersion
{
    /// <summary>The informational version without its source revision; <c>dev</c> when the build set none.</summary>
    public static string Current =>
        typeof(HostVersion).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "dev";

    public static string Line => $"cocoon-net version {Current}";

    public static bool IsVersionCommand(string[] args) => args is ["--version"] or ["version"];
}
