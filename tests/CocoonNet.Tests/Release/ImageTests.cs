using System.Security.Cryptography;
using System.Text.Json;
using CocoonNet.Tests.Support;

namespace CocoonNet.Tests.Release;

/// <summary>
/// The container image: <c>make image</c> writes an OCI image archive (index.json -> manifest -> config + layer)
/// whose entrypoint is <c>cocoon-net agent</c> and whose rootfs holds the release and the tools it drives. The rootfs is
/// unpacked and its programs run in a chroot with a /proc of its own (a private mount and pid namespace: nothing
/// outside the temp dir changes, and the namespace's mounts go when it ends). The same rootfs, a Debian system with the
/// package's dependencies, is where dpkg installs and purges the .deb.
/// </summary>
public sealed class ImageTests
{
    [ReleaseFact("image")]
    public void Image_archive_is_an_oci_layout_whose_entrypoint_is_the_agent_and_whose_rootfs_runs_cocoon_net_and_its_tools()
    {
        var work = ReleaseArtifacts.TemporaryDirectory("image");
        try
        {
            var layout = Path.Combine(work, "layout");
            Directory.CreateDirectory(layout);
            Shell.Check("tar", "-C", layout, "-xf", ReleaseArtifacts.Image);
            Assert.Contains("\"imageLayoutVersion\"", File.ReadAllText(Path.Combine(layout, "oci-layout")));

            using var index = JsonDocument.Parse(File.ReadAllText(Path.Combine(layout, "index.json")));
            var manifestDescriptor = Assert.Single(index.RootElement.GetProperty("manifests").EnumerateArray().ToList());
            Assert.Equal(ReleaseArtifacts.Version, manifestDescriptor.GetProperty("annotations").GetProperty("org.opencontainers.image.ref.name").GetString());
            using var manifest = JsonDocument.Parse(Blob(layout, manifestDescriptor));
            using var config = JsonDocument.Parse(Blob(layout, manifest.RootElement.GetProperty("config")));
            Assert.Equal("linux", config.RootElement.GetProperty("os").GetString());
            Assert.Equal("amd64", config.RootElement.GetProperty("architecture").GetString());
            Assert.Equal("[\"cocoon-net\",\"agent\"]", config.RootElement.GetProperty("config").GetProperty("Entrypoint").GetRawText());

            var layer = Assert.Single(manifest.RootElement.GetProperty("layers").EnumerateArray().ToList());
            Assert.Equal("application/vnd.oci.image.layer.v1.tar+gzip", layer.GetProperty("mediaType").GetString());
            var layerFile = BlobPath(layout, layer);
            var rootfs = Path.Combine(work, "rootfs");
            Directory.CreateDirectory(rootfs);
            var unpack = Shell.Run("tar", ["-C", rootfs, "-xzf", layerFile], timeout: TimeSpan.FromMinutes(3));
            Assert.True(unpack.ExitCode == 0, unpack.ToString());

            Assert.True(File.Exists(Path.Combine(rootfs, "usr/lib/cocoon-net/cocoon-net")));
            Assert.Equal("../lib/cocoon-net/cocoon-net", new FileInfo(Path.Combine(rootfs, "usr/bin/cocoon-net")).LinkTarget);
            Assert.DoesNotContain(Directory.EnumerateFiles(Path.Combine(rootfs, "usr/lib/cocoon-net"), "*", SearchOption.AllDirectories),
                f => f.EndsWith(".pdb", StringComparison.Ordinal) || Path.GetFileName(f) == "createdump");

            AssertPluginsLoad(rootfs);

            var dnsmasq = InImage(rootfs, "dnsmasq", "--version");
            Assert.True(dnsmasq.ExitCode == 0 && dnsmasq.Stdout.StartsWith("Dnsmasq version", StringComparison.Ordinal), dnsmasq.ToString());
            var iptables = InImage(rootfs, "iptables", "--version");
            Assert.True(iptables.ExitCode == 0 && iptables.Stdout.StartsWith("iptables v1.8", StringComparison.Ordinal), iptables.ToString());
            var ip = InImage(rootfs, "ip", "-V");
            Assert.True(ip.ExitCode == 0 && ip.Stdout.Contains("iproute2", StringComparison.Ordinal), ip.ToString());
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    [ReleaseFact("image")]
    public void Deb_installs_runs_and_is_removed_by_dpkg_in_the_image_rootfs()
    {
        // The image's rootfs is a Debian system with the package's dependencies: dpkg itself checks them there.
        Assert.True(File.Exists(ReleaseArtifacts.Deb), $"{ReleaseArtifacts.Deb} is missing (make deb)");
        var work = ReleaseArtifacts.TemporaryDirectory("image-dpkg");
        try
        {
            var rootfs = UnpackRootfs(work);
            Directory.Delete(Path.Combine(rootfs, "usr/lib/cocoon-net"), recursive: true);
            File.Delete(Path.Combine(rootfs, "usr/bin/cocoon-net"));
            File.Copy(ReleaseArtifacts.Deb, Path.Combine(rootfs, "tmp/cocoon-net.deb"));

            var install = InImage(rootfs, "dpkg", "--install", "/tmp/cocoon-net.deb");
            Assert.True(install.ExitCode == 0, install.ToString());
            AssertPluginsLoad(rootfs);

            var purge = InImage(rootfs, "dpkg", "--purge", "cocoon-net");
            Assert.True(purge.ExitCode == 0, purge.ToString());
            Assert.False(Directory.Exists(Path.Combine(rootfs, "usr/lib/cocoon-net")));
            Assert.False(Path.Exists(Path.Combine(rootfs, "usr/bin/cocoon-net")));
            Assert.False(File.Exists(Path.Combine(rootfs, "usr/lib/systemd/system/cocoon-net.service")));
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    /// <summary>The image's single layer, checked against the layout's digests and unpacked into work/rootfs.</summary>
    private static string UnpackRootfs(string work)
    {
        var layout = Path.Combine(work, "layout");
        Directory.CreateDirectory(layout);
        Shell.Check("tar", "-C", layout, "-xf", ReleaseArtifacts.Image);
        using var index = JsonDocument.Parse(File.ReadAllText(Path.Combine(layout, "index.json")));
        using var manifest = JsonDocument.Parse(Blob(layout, index.RootElement.GetProperty("manifests")[0]));
        var rootfs = Path.Combine(work, "rootfs");
        Directory.CreateDirectory(rootfs);
        var unpack = Shell.Run("tar", ["-C", rootfs, "-xzf", BlobPath(layout, manifest.RootElement.GetProperty("layers")[0])], timeout: TimeSpan.FromMinutes(3));
        Assert.True(unpack.ExitCode == 0, unpack.ToString());
        return rootfs;
    }

    private static void AssertPluginsLoad(string rootfs)
    {
        var plugins = InImage(rootfs, "cocoon-net", "plugins");
        Assert.True(plugins.ExitCode == 0, plugins.ToString());
        Assert.Contains("plugins directory: /usr/lib/cocoon-net/plugins\n", plugins.Stdout);
        foreach (var name in new[] { "adopt", "gke", "volcengine" })
        {
            Assert.Matches($@"(?m)^{name}\s.*\sloaded$", plugins.Stdout);
        }
    }

    /// <summary>Runs a program of the image, found on the image's PATH, chrooted into its rootfs with a private /proc.</summary>
    private static CommandResult InImage(string rootfs, params string[] command) =>
        Shell.Run("unshare", ["--mount", "--pid", "--fork", $"--mount-proc={Path.Combine(rootfs, "proc")}", "chroot", rootfs, .. command],
            new Dictionary<string, string> { ["PATH"] = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", ["COCOON_NET_PLUGINS_DIR"] = "" });

    /// <summary>A blob's path, after checking that its content has the digest and size the descriptor gives.</summary>
    private static string BlobPath(string layout, JsonElement descriptor)
    {
        var digest = descriptor.GetProperty("digest").GetString()!;
        Assert.StartsWith("sha256:", digest, StringComparison.Ordinal);
        var path = Path.Combine(layout, "blobs/sha256", digest["sha256:".Length..]);
        using (var stream = File.OpenRead(path))
        {
            Assert.Equal(digest, "sha256:" + Convert.ToHexStringLower(SHA256.HashData(stream)));
        }

        Assert.Equal(descriptor.GetProperty("size").GetInt64(), new FileInfo(path).Length);
        return path;
    }

    private static string Blob(string layout, JsonElement descriptor) => File.ReadAllText(BlobPath(layout, descriptor));
}
