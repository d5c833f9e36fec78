using CocoonNet.Abstractions;

namespace CocoonNet.Tests.Support;

/// <summary>What `make pack` produced: out/packages/&lt;id&gt;.&lt;version&gt;.nupkg.</summary>
internal static class SdkPackages
{
    public const string Contract = "CocoonNet.Abstractions";

    public const string Template = "CocoonNet.PluginTemplate";

    /// <summary>The version the packages carry: the contract's, Major.Minor.0.</summary>
    public static string Version { get; } = $"{PluginContract.Major}.{PluginContract.Minor}.0";

    public static string Directory => Path.Combine(TestEnvironment.OutDirectory, "packages");

    public static string PathOf(string id) => Path.Combine(Directory, $"{id}.{Version}.nupkg");

    /// <summary>Why the packages are missing, or null.</summary>
    public static string? WhyMissing() =>
        new[] { Contract, Template }.Select(PathOf).FirstOrDefault(p => !File.Exists(p)) is { } missing
            ? $"{missing} is missing (make pack)"
            : null;
}
