using System.Xml.Linq;
using Xunit.Sdk;

namespace CocoonNet.Tests.Support;

/// <summary>The release artifacts <c>make release</c>, <c>make deb</c> and <c>make image</c> write (COCOON_NET_DIST, else dist/ in the repo).</summary>
internal static class ReleaseArtifacts
{
    public static string DistDirectory => Environment.GetEnvironmentVariable("COCOON_NET_DIST") is { Length: > 0 } dir
        ? dir
        : Path.GetFullPath(Path.Combine(TestEnvironment.RepositoryRoot, "dist"));

    /// <summary>The version every artifact is named for: the host project's &lt;Version&gt; (the Makefile reads the same).</summary>
    public static string Version { get; } = XDocument.Load(Path.Combine(TestEnvironment.RepositoryRoot, "src/Host/CocoonNet.Host.csproj"))
        .Descendants("Version").Single().Value;

    public static string Tarball => Path.Combine(DistDirectory, $"cocoon-net_{Version}_Linux_x86_64.tar.gz");

    public static string LatestTarball => Path.Combine(DistDirectory, "cocoon-net_Linux_x86_64.tar.gz");

    public static string Deb => Path.Combine(DistDirectory, $"cocoon-net_{Version}_amd64.deb");

    public static string Image => Path.Combine(DistDirectory, "cocoon-net-image.tar");

    /// <summary>A fresh directory under the system temp dir; the caller deletes it.</summary>
    public static string TemporaryDirectory(string purpose) =>
        Directory.CreateDirectory(Path.Combine(Path.GetTempPath(), $"cocoon-net-{purpose}-{Guid.NewGuid():N}")).FullName;
}

/// <summary>A test of a release artifact (tarball, deb or image in DIST); skipped when it was not built, except under CI=true.</summary>
[TraitDiscoverer(NeedsDiscoverer.TypeName, NeedsDiscoverer.AssemblyName)]
public sealed class ReleaseFactAttribute : FactAttribute, ITraitAttribute
{
    public ReleaseFactAttribute(string artifact)
    {
        var (path, target) = artifact switch
        {
            "tarball" => (ReleaseArtifacts.Tarball, "release"),
            "deb" => (ReleaseArtifacts.Deb, "deb"),
            "image" => (ReleaseArtifacts.Image, "image"),
            _ => throw new ArgumentOutOfRangeException(nameof(artifact), artifact, "tarball, deb or image"),
        };
        if (!File.Exists(path) && !TestEnvironment.IsCi)
        {
            Skip = $"{path} is missing (make {target})";
        }
        else if (artifact == "image" && !Environment.IsPrivilegedProcess && !TestEnvironment.IsCi)
        {
            Skip = "needs root (runs the image's programs in a chroot)";
        }
    }

    public string Needs => Support.Needs.Build;
}
