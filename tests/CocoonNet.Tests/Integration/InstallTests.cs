using CocoonNet.Tests.Support;

namespace CocoonNet.Tests.Integration;

/// <summary><c>make install</c> copies the built out/ (no rebuild), only what runs, under PREFIX; uninstall removes exactly that.</summary>
public sealed class InstallTests
{
    [BuildFact]
    public void Install_honours_destdir_and_prefix_leaves_out_debug_files_and_uninstall_removes_it_all()
    {
        var destination = Path.Combine(Path.GetTempPath(), $"cocoon-net-install-{Guid.NewGuid():N}");
        string[] make = ["-C", TestEnvironment.RepositoryRoot, $"OUT={TestEnvironment.OutDirectory}", $"DESTDIR={destination}", "PREFIX=/usr"];
        try
        {
            var install = Shell.Run("make", [.. make, "install"], timeout: TimeSpan.FromSeconds(120));
            Assert.True(install.ExitCode == 0, install.ToString());
            Assert.DoesNotContain("dotnet publish", install.Stdout);

            var lib = Path.Combine(destination, "usr/lib/cocoon-net");
            Assert.True(File.Exists(Path.Combine(lib, "cocoon-net")));
            Assert.True(Directory.Exists(Path.Combine(lib, "plugins/adopt")));
            Assert.False(Directory.Exists(Path.Combine(lib, "test-plugins")));
            Assert.False(Directory.Exists(Path.Combine(lib, "test-contracts")));
            Assert.False(Directory.Exists(Path.Combine(lib, "packages")), "the SDK packages are for plugin authors, not nodes");
            Assert.DoesNotContain(Directory.EnumerateFiles(lib, "*", SearchOption.AllDirectories),
                f => f.EndsWith(".pdb", StringComparison.Ordinal) || f.EndsWith(".xml", StringComparison.Ordinal) || Path.GetFileName(f) == "createdump");
            var link = new FileInfo(Path.Combine(destination, "usr/bin/cocoon-net"));
            Assert.Equal("/usr/lib/cocoon-net/cocoon-net", link.LinkTarget);
            Assert.False(File.Exists(Path.Combine(destination, "usr/local/bin/cocoon-net")));

            var uninstall = Shell.Run("make", [.. make, "uninstall"]);
            Assert.True(uninstall.ExitCode == 0, uninstall.ToString());
            Assert.Empty(Directory.EnumerateFiles(destination, "*", SearchOption.AllDirectories));
            Assert.False(Path.Exists(link.FullName));
        }
        finally
        {
            if (Directory.Exists(destination))
            {
                Directory.Delete(destination, recursive: true);
            }
        }
    }

    [BuildFact]
    public void Install_without_a_build_says_to_build_first()
    {
        var result = Shell.Run("make", ["-C", TestEnvironment.RepositoryRoot, "OUT=/nonexistent-cocoon-net-out", "DESTDIR=/nonexistent-destination", "install"]);
        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("run 'make build' first", result.Stderr);
        Assert.False(Directory.Exists("/nonexistent-destination"));
    }
}
