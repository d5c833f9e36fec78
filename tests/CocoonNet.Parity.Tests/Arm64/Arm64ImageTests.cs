using System.Diagnostics;
using System.Security.Cryptography;
using System.Text.Json;
using CocoonNet.Tests.Support;
using Xunit.Abstractions;

namespace CocoonNet.Tests.Integration.Arm64;

/// <summary>
/// The arm64 image (make image: DIST/cocoon-net-image-arm64.tar): an OCI layout like the amd64 one whose config says
/// arm64, and whose rootfs's own programs run under qemu-aarch64-static with the rootfs as QEMU's library prefix: the
/// image's Debian arm64 userland is what cocoon-net, dnsmasq and ip load, not a sysroot of the test's.
/// </summary>
[Collection(ParityCollection.Name)]
public sealed class Arm64ImageTests(ITestOutputHelper output)
{
    [Arm64Fact(image: true)]
    public async Task Arm64_image_is_an_oci_layout_for_arm64_whose_rootfs_runs_cocoon_net_and_dnsmasq_under_qemu()
    {
        await ReleaseArtifacts.WaitForArm64ImageAsync();
        var work = ReleaseArtifacts.TemporaryDirectory("image-arm64");
        try
        {
            var layout = Path.Combine(work, "layout");
            Directory.CreateDirectory(layout);
            Shell.Check("tar", "-C", layout, "-xf", ReleaseArtifacts.Arm64Image);
            using var index = JsonDocument.Parse(File.ReadAllText(Path.Combine(layout, "index.json")));
            var descriptor = Assert.Single(index.RootElement.GetProperty("manifests").EnumerateArray().ToList());
            Assert.Equal(ReleaseArtifacts.Version, descriptor.GetProperty("annotations").GetProperty("org.opencontainers.image.ref.name").GetString());
            using var manifest = JsonDocument.Parse(Blob(layout, descriptor));
            using var config = JsonDocument.Parse(Blob(layout, manifest.RootElement.GetProperty("config")));
            Assert.Equal("linux", config.RootElement.GetProperty("os").GetString());
            Assert.Equal("arm64", config.RootElement.GetProperty("architecture").GetString());
            Assert.Equal("[\"cocoon-net\",\"agent\"]", config.RootElement.GetProperty("config").GetProperty("Entrypoint").GetRawText());

            var layer = Assert.Single(manifest.RootElement.GetProperty("layers").EnumerateArray().ToList());
            var rootfs = Path.Combine(work, "rootfs");
            Directory.CreateDirectory(rootfs);
            var unpack = Shell.Run("tar", ["-C", rootfs, "-xzf", BlobPath(layout, layer)], timeout: TimeSpan.FromMinutes(3));
            Assert.True(unpack.ExitCode == 0, unpack.ToString());

            var program = Path.Combine(rootfs, "usr/lib/cocoon-net/cocoon-net");
            Assert.Equal(183, ElfMachine(program)); // EM_AARCH64
            Assert.Equal(183, ElfMachine(Path.Combine(rootfs, "usr/sbin/dnsmasq")));

            var environment = new Dictionary<string, string> { ["QEMU_LD_PREFIX"] = rootfs, ["COCOON_NET_PLUGINS_DIR"] = "" };
            var version = Timed("cocoon-net --version", [program, "--version"], environment);
            Assert.True(version.ExitCode == 0, version.ToString());
            Assert.Equal($"cocoon-net version {ReleaseArtifacts.Version}\n", version.Stdout);
            var plugins = Timed("cocoon-net plugins", [program, "plugins"], environment);
            Assert.True(plugins.ExitCode == 0, plugins.ToString());
            foreach (var name in new[] { "adopt", "gke", "volcengine" })
            {
                Assert.Matches($@"(?m)^{name}\s.*\sloaded$", plugins.Stdout);
            }

            var dnsmasq = Timed("dnsmasq --version", [Path.Combine(rootfs, "usr/sbin/dnsmasq"), "--version"], environment);
            Assert.True(dnsmasq.ExitCode == 0 && dnsmasq.Stdout.StartsWith("Dnsmasq version", StringComparison.Ordinal), dnsmasq.ToString());
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    private CommandResult Timed(string what, string[] arguments, Dictionary<string, string> environment)
    {
        var clock = Stopwatch.StartNew();
        var result = Shell.Run(Arm64Release.Qemu, arguments, environment, TimeSpan.FromMinutes(2));
        output.WriteLine($"emulated arm64 image `{what}`: {clock.Elapsed.TotalSeconds:F2} s");
        return result;
    }

    /// <summary>e_machine of an ELF file (offset 18, little-endian).</summary>
    private static int ElfMachine(string path)
    {
        var header = new byte[20];
        using (var file = File.OpenRead(path))
        {
            file.ReadExactly(header);
        }

        return header[18] | (header[19] << 8);
    }

    private static string BlobPath(string layout, JsonElement descriptor)
    {
        var digest = descriptor.GetProperty("digest").GetString()!;
        Assert.StartsWith("sha256:", digest);
        var path = Path.Combine(layout, "blobs", "sha256", digest["sha256:".Length..]);
        using (var stream = File.OpenRead(path))
        {
            Assert.Equal(digest["sha256:".Length..], Convert.ToHexStringLower(SHA256.HashData(stream)));
        }

        return path;
    }

    private static string Blob(string layout, JsonElement descriptor) => File.ReadAllText(BlobPath(layout, descriptor));
}
