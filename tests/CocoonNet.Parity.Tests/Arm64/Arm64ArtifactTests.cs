using CocoonNet.Tests.Support;

namespace CocoonNet.Tests.Integration.Arm64;

/// <summary>
/// The arm64 tarball and .deb against the x86_64 ones. Here, not beside the x86_64 release tests in CocoonNet.Tests:
/// make test builds them in the background while the tests run, and a test awaiting them holds one of xUnit's
/// parallel slots (its default, conservative algorithm counts a waiting test as running); in this project they wait
/// beside the emulated runs, which wait for the same build.
/// </summary>
[Collection(ParityCollection.Name)]
public sealed class Arm64ArtifactTests
{
    private static string TopDirectory => ReleaseContents.TopDirectory;

    [ReleaseFact("tarball-arm64")]
    public async Task Arm64_tarball_has_the_x86_64_layout_with_aarch64_programs_the_same_plugins_and_both_weigh_at_most_45_MiB()
    {
        await ReleaseArtifacts.WaitForArm64Async();
        ReleaseContents.AssertHoldsOnlyWhatRunsReproducibly(ReleaseArtifacts.Arm64Tarball, ReleaseArtifacts.Arm64LatestTarball);
        var x86 = ReleaseContents.Files(ReleaseArtifacts.Tarball);
        var arm64 = ReleaseContents.Files(ReleaseArtifacts.Arm64Tarball);

        // One layout: the runtime packs of both architectures ship the same file names.
        Assert.Equal(x86.Keys.Order(StringComparer.Ordinal), arm64.Keys.Order(StringComparer.Ordinal));

        // Every native file is built for its architecture (ELF e_machine: 62 x86-64, 183 AArch64).
        var x86Elf = x86.Where(f => f.Value.Machine is not null).ToList();
        var arm64Elf = arm64.Where(f => f.Value.Machine is not null).ToList();
        Assert.Contains(TopDirectory + "lib/cocoon-net", arm64Elf.Select(f => f.Key));
        Assert.Contains(TopDirectory + "lib/libcoreclr.so", arm64Elf.Select(f => f.Key));
        Assert.Equal(x86Elf.Select(f => f.Key), arm64Elf.Select(f => f.Key));
        Assert.All(x86Elf, f => Assert.True(f.Value.Machine == 62, $"{f.Key}: e_machine {f.Value.Machine}"));
        Assert.All(arm64Elf, f => Assert.True(f.Value.Machine == 183, $"{f.Key}: e_machine {f.Value.Machine}"));

        // The plugins (IL), scripts, unit, completions and manual page are the same bytes; the program differs.
        foreach (var name in x86.Keys.Where(n => !n.StartsWith(TopDirectory + "lib/", StringComparison.Ordinal)
                     || n.StartsWith(TopDirectory + "lib/plugins/", StringComparison.Ordinal)))
        {
            Assert.True(x86[name].Sha256 == arm64[name].Sha256, $"{name} differs between the x86_64 and arm64 tarballs");
        }

        Assert.NotEqual(x86[TopDirectory + "lib/cocoon-net.r2r.dll"].Sha256, arm64[TopDirectory + "lib/cocoon-net.r2r.dll"].Sha256);
        foreach (var tarball in new[] { ReleaseArtifacts.Tarball, ReleaseArtifacts.Arm64Tarball })
        {
            var bytes = new FileInfo(tarball).Length;
            Assert.True(bytes <= ReleaseArtifacts.MaxTarballBytes,
                $"{Path.GetFileName(tarball)} weighs {bytes} bytes ({bytes / 1048576.0:F1} MiB): at most 45 MiB");
        }
    }

    [ReleaseFact("deb-arm64")]
    public async Task Arm64_package_is_the_amd64_package_built_for_arm64()
    {
        await ReleaseArtifacts.WaitForArm64Async();
        string[] fields = ["Package", "Version", "Architecture", "Maintainer", "Depends", "Recommends", "Section", "Priority"];
        var amd64 = Shell.Check("dpkg-deb", ["--field", ReleaseArtifacts.Deb, .. fields]);
        var arm64 = Shell.Check("dpkg-deb", ["--field", ReleaseArtifacts.Arm64Deb, .. fields]);
        Assert.Contains("Architecture: arm64\n", arm64);
        Assert.Equal(amd64.Replace("Architecture: amd64\n", "Architecture: arm64\n", StringComparison.Ordinal), arm64);

        // The same paths, owners and modes (the program's files differ in size, not in name).
        Assert.Equal(ReleaseContents.DebEntries(ReleaseArtifacts.Deb), ReleaseContents.DebEntries(ReleaseArtifacts.Arm64Deb));
        Assert.Equal(Shell.Check("dpkg-deb", "--info", ReleaseArtifacts.Deb, "postinst"), Shell.Check("dpkg-deb", "--info", ReleaseArtifacts.Arm64Deb, "postinst"));
    }

    [ReleaseFact("deb-arm64")]
    [Trait("Tool", "lintian")]
    public async Task Lintian_reports_no_errors_in_the_arm64_package()
    {
        Assert.True(File.Exists("/usr/bin/lintian") || !TestEnvironment.IsCi, "lintian is not installed (make deps-system)");
        if (!File.Exists("/usr/bin/lintian"))
        {
            return;
        }

        await ReleaseArtifacts.WaitForArm64Async();
        var lintian = Shell.Run("lintian", ["--fail-on", "error", ReleaseArtifacts.Arm64Deb], timeout: TimeSpan.FromMinutes(10));
        Assert.True(lintian.ExitCode == 0, lintian.ToString());
        Assert.DoesNotContain("\nE: ", "\n" + lintian.Stdout);
    }
}
