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

    public static string Tarball => TarballFor("x86_64");

    public static string LatestTarball => Path.Combine(DistDirectory, "cocoon-net_Linux_x86_64.tar.gz");

    public static string Deb => Path.Combine(DistDirectory, $"cocoon-net_{Version}_amd64.deb");

    /// <summary>The arm64 release: the same layout as the x86_64 one, its program published for linux-arm64.</summary>
    public static string Arm64Tarball => TarballFor("arm64");

    public static string Arm64LatestTarball => Path.Combine(DistDirectory, "cocoon-net_Linux_arm64.tar.gz");

    public static string Arm64Deb => Path.Combine(DistDirectory, $"cocoon-net_{Version}_arm64.deb");

    /// <summary>The most a release tarball may weigh, either architecture: 45 MiB (what du -h calls 45M).</summary>
    public const long MaxTarballBytes = 45L * 1024 * 1024;

    /// <summary>
    /// make test builds the arm64 tarball and .deb in the background while the tests run (COCOON_NET_ARM64_PENDING=1):
    /// a test that reads them awaits DIST/.arm64-ready first, and fails with the build's log on .arm64-failed.
    /// Outside make test, they are there or not, as the other artifacts are.
    /// </summary>
    public static Task WaitForArm64Async() =>
        Arm64Pending ? WaitForAsync(".arm64-ready", ".arm64-failed", "arm64-build.log", "the arm64 artifacts were not built (make build-arm64", TimeSpan.FromMinutes(15)) : Task.CompletedTask;

    internal static bool Arm64Pending => Environment.GetEnvironmentVariable("COCOON_NET_ARM64_PENDING") == "1";

    /// <summary>The arm64 image (make image; make test with TEST_IMAGE=1 builds it in the background after the arm64 tarball).</summary>
    public static string Arm64Image => Path.Combine(DistDirectory, "cocoon-net-image-arm64.tar");

    /// <summary>make test with TEST_IMAGE=1 builds the arm64 image in the background (COCOON_NET_ARM64_IMAGE=1).</summary>
    internal static bool Arm64ImagePending => Arm64Pending && Environment.GetEnvironmentVariable("COCOON_NET_ARM64_IMAGE") == "1";

    /// <summary>As <see cref="WaitForArm64Async"/>, for the arm64 image: DIST/.arm64-image-ready, or .arm64-image-failed with its log.</summary>
    public static Task WaitForArm64ImageAsync() =>
        Arm64ImagePending ? WaitForAsync(".arm64-image-ready", ".arm64-image-failed", "arm64-image.log", "the arm64 image was not built (make image-arm64", TimeSpan.FromMinutes(25)) : Task.CompletedTask;

    private static async Task WaitForAsync(string ready, string failed, string logName, string what, TimeSpan within)
    {
        var deadline = DateTime.UtcNow + within;
        while (!File.Exists(Path.Combine(DistDirectory, ready)))
        {
            if (File.Exists(Path.Combine(DistDirectory, failed)) || DateTime.UtcNow > deadline)
            {
                var log = Path.Combine(DistDirectory, logName);
                var tail = File.Exists(log) ? string.Join('\n', File.ReadLines(log).TakeLast(30)) : "(no log)";
                Assert.Fail($"{what}, {log}):\n{tail}");
            }

            await Task.Delay(TimeSpan.FromSeconds(1));
        }
    }

    private static string TarballFor(string arch) => Path.Combine(DistDirectory, $"cocoon-net_{Version}_Linux_{arch}.tar.gz");

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
            "tarball-arm64" => (ReleaseArtifacts.Arm64Tarball, "release"),
            "deb" => (ReleaseArtifacts.Deb, "deb"),
            "deb-arm64" => (ReleaseArtifacts.Arm64Deb, "deb"),
            "image" => (ReleaseArtifacts.Image, "image"),
            _ => throw new ArgumentOutOfRangeException(nameof(artifact), artifact, "tarball, tarball-arm64, deb, deb-arm64 or image"),
        };
        if (!File.Exists(path) && !TestEnvironment.IsCi && !(artifact.EndsWith("-arm64", StringComparison.Ordinal) && ReleaseArtifacts.Arm64Pending))
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
