using System.Diagnostics;
using CocoonNet.Tests.Support;
using Xunit.Sdk;

namespace CocoonNet.Tests.Integration.Arm64;

/// <summary>
/// The arm64 release tarball, unpacked, and the arm64 Debian sysroot (tests/arm64/sysroot.sh: libc, libstdc++,
/// OpenSSL, ICU, zlib from Debian's mirror, cached in OUT/arm64-sysroot) its program runs against under
/// qemu-aarch64-static. QEMU_LD_PREFIX points QEMU's loader at the sysroot, so no binfmt_misc registration is needed:
/// nothing on this machine changes. Prepared on first use (a skipped test costs nothing); the unpacked tree is
/// deleted when the class's tests are done.
/// </summary>
public sealed class Arm64Release : IDisposable
{
    public const string Qemu = "/usr/bin/qemu-aarch64-static";

    private readonly Lazy<(string Work, string Sysroot, TimeSpan SysrootTime)> _prepared = new(Prepare);

    /// <summary>The unpacked arm64 program, lib/cocoon-net, with lib/plugins beside it.</summary>
    public string Program => Path.Combine(_prepared.Value.Work, $"cocoon-net-{ReleaseArtifacts.Version}", "lib", "cocoon-net");

    /// <summary>How long fetching the sysroot (or finding it cached) took.</summary>
    public TimeSpan SysrootTime => _prepared.Value.SysrootTime;

    /// <summary>The environment every emulated run gets: QEMU's library prefix; plugins from beside the program.</summary>
    public Dictionary<string, string> Environment(IDictionary<string, string>? extra = null)
    {
        var environment = new Dictionary<string, string> { ["QEMU_LD_PREFIX"] = _prepared.Value.Sysroot, ["COCOON_NET_PLUGINS_DIR"] = "" };
        foreach (var (key, value) in extra ?? new Dictionary<string, string>())
        {
            environment[key] = value;
        }

        return environment;
    }

    public void Dispose()
    {
        if (_prepared.IsValueCreated)
        {
            Directory.Delete(_prepared.Value.Work, recursive: true);
        }
    }

    private static (string, string, TimeSpan) Prepare()
    {
        var sysroot = Path.Combine(TestEnvironment.OutDirectory, "arm64-sysroot");
        var clock = Stopwatch.StartNew();
        var fetch = Shell.Run("bash", [Path.Combine(TestEnvironment.RepositoryRoot, "tests/arm64/sysroot.sh"), sysroot], timeout: TimeSpan.FromMinutes(3));
        Assert.True(fetch.ExitCode == 0, $"fetching the arm64 sysroot failed: {fetch}");
        var sysrootTime = clock.Elapsed;
        var work = ReleaseArtifacts.TemporaryDirectory("arm64");
        Shell.Check("tar", "-C", work, "-xzf", ReleaseArtifacts.Arm64Tarball);
        return (work, sysroot, sysrootTime);
    }
}

/// <summary>
/// A test of the arm64 release under qemu-aarch64-static: skipped when the arm64 tarball or QEMU is missing (or, with
/// <c>Root</c>, when namespaces cannot be made), except under CI=true, where it fails instead.
/// </summary>
[TraitDiscoverer(NeedsDiscoverer.TypeName, NeedsDiscoverer.AssemblyName)]
public sealed class Arm64FactAttribute : FactAttribute, ITraitAttribute
{
    /// <param name="root">Needs network namespaces.</param>
    /// <param name="image">Reads the arm64 image (make image) instead of the tarball.</param>
    public Arm64FactAttribute(bool root = false, bool image = false)
    {
        Needs = root ? Support.Needs.Root : Support.Needs.Build;
        if (TestEnvironment.IsCi || Support.Needs.UnitRun)
        {
            return;
        }

        if (image && !File.Exists(ReleaseArtifacts.Arm64Image) && !ReleaseArtifacts.Arm64ImagePending)
        {
            Skip = $"{ReleaseArtifacts.Arm64Image} is missing (make image)";
        }
        else if (!image && !File.Exists(ReleaseArtifacts.Arm64Tarball) && !ReleaseArtifacts.Arm64Pending)
        {
            Skip = $"{ReleaseArtifacts.Arm64Tarball} is missing (make release)";
        }
        else if (!File.Exists(Arm64Release.Qemu))
        {
            Skip = "qemu-aarch64-static is not installed (make deps-system)";
        }
        else if (root && TestEnvironment.WhyNoNamespaces() is { } reason)
        {
            Skip = reason;
        }
    }

    public string Needs { get; }
}
