using Xunit.Abstractions;
using Xunit.Sdk;

namespace CocoonNet.Tests.Support;

/// <summary>
/// What a test needs beyond its own process, as the xUnit trait <c>Needs</c>: <see cref="Root"/> (network namespaces,
/// iptables) or <see cref="Build"/> (out/ or dist/, built by make test-plugins, release, deb). The test attributes
/// (<see cref="PrivilegedFactAttribute"/>, <see cref="BuildFactAttribute"/>, <see cref="ReleaseFactAttribute"/>,
/// <see cref="NeedsBuildAttribute"/>) set it. make unit runs exactly the tests without it, with COCOON_NET_UNIT=1,
/// under which the sandbox and out/ are refused: a test that needs either without saying so fails there.
/// </summary>
internal static class Needs
{
    public const string Trait = "Needs";
    public const string Root = "root";
    public const string Build = "build";

    /// <summary>Under make unit: nothing privileged and nothing built may be used.</summary>
    public static bool UnitRun => Environment.GetEnvironmentVariable("COCOON_NET_UNIT") == "1";
}

/// <summary>Reads <c>Needs</c> from the test attributes above (a named property of each).</summary>
public sealed class NeedsDiscoverer : ITraitDiscoverer
{
    public const string TypeName = "CocoonNet.Tests.Support.NeedsDiscoverer";
    public const string AssemblyName = "CocoonNet.Testing";

    public IEnumerable<KeyValuePair<string, string>> GetTraits(IAttributeInfo traitAttribute) =>
        [new(Needs.Trait, traitAttribute.GetNamedArgument<string>("Needs"))];
}

/// <summary>
/// On a test class whose plain facts drive something from out/ (an emulator, the binary): they need the build, and
/// make unit leaves them out.
/// </summary>
[TraitDiscoverer(NeedsDiscoverer.TypeName, NeedsDiscoverer.AssemblyName)]
[AttributeUsage(AttributeTargets.Class | AttributeTargets.Method, AllowMultiple = false)]
public sealed class NeedsBuildAttribute : Attribute, ITraitAttribute
{
    public string Needs => Support.Needs.Build;
}
