using System.Reflection;

namespace CocoonNet.Host;

/// <summary>cocoon-net's version as the build stamped it (the informational version without its commit suffix).</summary>
internal static class ProductVersion
{
    public static string Current { get; } =
        typeof(ProductVersion).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "dev";
}
