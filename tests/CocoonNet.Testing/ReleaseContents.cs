using System.Buffers.Binary;
using System.Formats.Tar;
using System.IO.Compression;
using System.Security.Cryptography;

namespace CocoonNet.Tests.Support;

/// <summary>
/// What the release tests read in a tarball or a package, shared by the x86_64 tests (CocoonNet.Tests) and the arm64
/// ones (CocoonNet.Parity.Tests, which wait for make test's background arm64 build).
/// </summary>
public static class ReleaseContents
{
    /// <summary>The one directory a tarball holds.</summary>
    public static string TopDirectory => $"cocoon-net-{ReleaseArtifacts.Version}/";

    public static void AssertHoldsOnlyWhatRunsReproducibly(string tarballPath, string latestPath)
    {
        var entries = new List<TarEntry>();
        using (var file = File.OpenRead(tarballPath))
        using (var gzip = new GZipStream(file, CompressionMode.Decompress))
        using (var reader = new TarReader(gzip))
        {
            while (reader.GetNextEntry() is { } entry)
            {
                entries.Add(entry);
            }
        }

        var names = entries.Select(e => e.Name).ToList();
        Assert.All(names, n => Assert.StartsWith(TopDirectory, n, StringComparison.Ordinal));
        foreach (var expected in new[] { "install.sh", "uninstall.sh", "README.md", "LICENSE", "systemd/cocoon-net.service", "completions/cocoon-net.bash",
                     "completions/cocoon-net.zsh", "completions/cocoon-net.fish", "man/cocoon-net.8", "lib/cocoon-net", "lib/plugins/adopt/CocoonNet.Providers.Adopt.dll",
                     "lib/plugins/gke/CocoonNet.Providers.Gke.dll", "lib/plugins/volcengine/CocoonNet.Providers.Volcengine.dll" })
        {
            Assert.Contains(TopDirectory + expected, names);
        }

        Assert.DoesNotContain(names, n => n.EndsWith(".pdb", StringComparison.Ordinal) || n.EndsWith(".xml", StringComparison.Ordinal)
            || n.EndsWith("/createdump", StringComparison.Ordinal) || n.Contains("/test-plugins/", StringComparison.Ordinal)
            || n.Contains("/test-contracts/", StringComparison.Ordinal) || n.Contains("/emulators/", StringComparison.Ordinal)
            || n.Contains("/packages/", StringComparison.Ordinal) || n.Contains("/obj/", StringComparison.Ordinal));

        // Reproducible: sorted, root:root, one time stamp, nothing writable by group or others.
        Assert.Equal(names.Order(StringComparer.Ordinal), names);
        Assert.All(entries, e => Assert.True(e.Uid == 0 && e.Gid == 0, $"{e.Name} is owned by {e.Uid}:{e.Gid}"));
        Assert.Single(entries.Select(e => e.ModificationTime).Distinct());
        Assert.All(entries, e => Assert.False((e.Mode & (UnixFileMode.GroupWrite | UnixFileMode.OtherWrite)) != 0, $"{e.Name} is writable by others"));
        Assert.True((entries.Single(e => e.Name == TopDirectory + "install.sh").Mode & UnixFileMode.UserExecute) != 0);
        Assert.True((entries.Single(e => e.Name == TopDirectory + "uninstall.sh").Mode & UnixFileMode.UserExecute) != 0);

        // The unversioned name is the same release; each .sha256 checks its own file name (sha256sum -c).
        Assert.Equal(File.ReadAllBytes(tarballPath), File.ReadAllBytes(latestPath));
        foreach (var tarball in new[] { tarballPath, latestPath })
        {
            using var stream = File.OpenRead(tarball);
            var hash = Convert.ToHexStringLower(SHA256.HashData(stream));
            Assert.Equal($"{hash}  {Path.GetFileName(tarball)}\n", File.ReadAllText(tarball + ".sha256"));
        }
    }

    /// <summary>The tarball's regular files: each one's SHA-256 and, for an ELF file, its e_machine.</summary>
    public static Dictionary<string, (string Sha256, int? Machine)> Files(string tarball)
    {
        var files = new Dictionary<string, (string, int?)>(StringComparer.Ordinal);
        using var file = File.OpenRead(tarball);
        using var gzip = new GZipStream(file, CompressionMode.Decompress);
        using var reader = new TarReader(gzip);
        while (reader.GetNextEntry() is { } entry)
        {
            if (entry is not { EntryType: TarEntryType.RegularFile, DataStream: { } data })
            {
                continue;
            }

            var bytes = new MemoryStream();
            data.CopyTo(bytes);
            var content = bytes.GetBuffer().AsSpan(0, (int)bytes.Length);
            int? machine = content.Length > 20 && content[..4].SequenceEqual("\u007fELF"u8) ? BinaryPrimitives.ReadUInt16LittleEndian(content[18..]) : null;
            files[entry.Name] = (Convert.ToHexStringLower(SHA256.HashData(content)), machine);
        }

        return files;
    }

    /// <summary>Each entry of a package's data as "mode owner path" (dpkg-deb --contents without size and time).</summary>
    public static List<string> DebEntries(string deb) =>
        [.. Shell.Check("dpkg-deb", "--contents", deb).Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Select(f => $"{f[0]} {f[1]} {string.Join(' ', f[5..])}")];
}
