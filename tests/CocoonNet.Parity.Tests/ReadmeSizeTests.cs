using System.Formats.Tar;
using System.IO.Compression;
using System.Text.RegularExpressions;
using CocoonNet.Tests.Support;

namespace CocoonNet.Tests.Integration;

/// <summary>
/// The README's artifact table states each artifact's size: checked against what make release, deb and image just
/// built, so the figures cannot drift from the build again. Sizes are MiB as du -h prints them ("MB" in the README).
/// In this project because it awaits make test's background arm64 build (see Arm64ArtifactTests).
/// </summary>
[Collection(ParityCollection.Name)]
public sealed partial class ReadmeSizeTests
{
    // A statement may be off by this much (MiB) before it must be rewritten: small changes to the code move the
    // artifacts by a few hundred KiB, and the figures are for planning, not for byte counts.
    private const double Tolerance = 1.0;

    [ReleaseFact("tarball")]
    public async Task Readme_states_every_built_artifact_s_size_within_1_MB()
    {
        await ReleaseArtifacts.WaitForArm64Async();
        await ReleaseArtifacts.WaitForArm64ImageAsync();
        var readme = File.ReadAllText(Path.Combine(TestEnvironment.RepositoryRoot, "README.md"));
        var rows = ArtifactRow().Matches(readme).ToDictionary(m => m.Groups["name"].Value.Replace("<version>", ReleaseArtifacts.Version, StringComparison.Ordinal));
        var wrong = new List<string>();
        foreach (var (name, row) in rows)
        {
            var path = Path.Combine(ReleaseArtifacts.DistDirectory, name);
            if (!File.Exists(path))
            {
                // The images only with TEST_IMAGE=1, the arm64 one in the background: their rows are checked when they are there.
                Assert.False(TestEnvironment.IsCi && name != Path.GetFileName(ReleaseArtifacts.Image) && name != Path.GetFileName(ReleaseArtifacts.Arm64Image),
                    $"README.md lists {name}, which make release/deb did not build");
                continue;
            }

            Check(name, "", int.Parse(row.Groups["size"].Value, System.Globalization.CultureInfo.InvariantCulture), new FileInfo(path).Length, wrong);
            if (row.Groups["unpacked"].Success && name.EndsWith(".tar.gz", StringComparison.Ordinal))
            {
                Check(name, " unpacked", int.Parse(row.Groups["unpacked"].Value, System.Globalization.CultureInfo.InvariantCulture), UnpackedBytes(path), wrong);
            }
        }

        foreach (var built in new[] { ReleaseArtifacts.Tarball, ReleaseArtifacts.Arm64Tarball, ReleaseArtifacts.Deb, ReleaseArtifacts.Arm64Deb })
        {
            Assert.True(!File.Exists(built) || rows.ContainsKey(Path.GetFileName(built)), $"README.md's artifact table has no row for {Path.GetFileName(built)}");
        }

        Assert.True(wrong.Count == 0, "README.md's artifact sizes are out of date:\n" + string.Join('\n', wrong));
    }

    private static void Check(string name, string what, int stated, long bytes, List<string> wrong)
    {
        var mib = bytes / 1048576.0;
        if (Math.Abs(stated - mib) > Tolerance)
        {
            wrong.Add($"{name}{what}: README says {stated} MB, the build's is {mib:F1} MiB ({bytes} bytes): write {Math.Ceiling(mib)} MB");
        }
    }

    /// <summary>The sum of the tarball's file sizes: what unpacking it adds, give or take the file system's blocks.</summary>
    private static long UnpackedBytes(string tarball)
    {
        using var file = File.OpenRead(tarball);
        using var gzip = new GZipStream(file, CompressionMode.Decompress);
        using var reader = new TarReader(gzip);
        long total = 0;
        while (reader.GetNextEntry() is { } entry)
        {
            total += entry.Length;
        }

        return total;
    }

    // | `cocoon-net_<version>_Linux_x86_64.tar.gz` (+ ...) | 41 MB (99 MB unpacked) | ...
    [GeneratedRegex(@"^\| `(?<name>cocoon-net[^`]*\.(?:tar\.gz|deb|tar))`[^|]*\| (?<size>\d+) MB(?: \((?:xz|(?<unpacked>\d+) MB unpacked)\))? \|", RegexOptions.Multiline)]
    private static partial Regex ArtifactRow();
}
