using System.Buffers.Binary;
using System.Formats.Tar;
using System.IO.Compression;
using System.Security.Cryptography;
using CocoonNet.Tests.Support;

namespace CocoonNet.Tests.Release;

/// <summary>The release tarball: <c>make release</c> ships what runs, reproducibly, with install.sh and uninstall.sh that honour DESTDIR and PREFIX.</summary>
public sealed class ReleaseTarballTests
{
    private static string TopDirectory => ReleaseContents.TopDirectory;

    [ReleaseFact("tarball")]
    public void Tarball_installs_into_an_empty_root_and_the_linked_command_finds_its_plugins_there()
    {
        var work = ReleaseArtifacts.TemporaryDirectory("release-install");
        try
        {
            Shell.Check("tar", "-C", work, "-xzf", ReleaseArtifacts.Tarball);
            var root = Path.Combine(work, "root");
            var install = Shell.Run(Path.Combine(work, TopDirectory, "install.sh"), [], new Dictionary<string, string> { ["DESTDIR"] = root },
                TimeSpan.FromSeconds(120));
            Assert.True(install.ExitCode == 0, install.ToString());

            var link = new FileInfo(Path.Combine(root, "usr/bin/cocoon-net"));
            Assert.Equal("../lib/cocoon-net/cocoon-net", link.LinkTarget);
            Assert.Contains("\nExecStart=/usr/bin/cocoon-net agent\n", File.ReadAllText(Path.Combine(root, "usr/lib/systemd/system/cocoon-net.service")));
            Assert.Contains("complete", File.ReadAllText(Path.Combine(root, "usr/share/bash-completion/completions/cocoon-net")));
            Assert.True(File.Exists(Path.Combine(root, "usr/share/zsh/vendor-completions/_cocoon-net")));
            Assert.True(File.Exists(Path.Combine(root, "usr/share/fish/vendor_completions.d/cocoon-net.fish")));
            Assert.True(File.Exists(Path.Combine(root, "usr/share/man/man8/cocoon-net.8.gz")));
            Assert.DoesNotContain(Directory.EnumerateFileSystemEntries(root, "*.wants", SearchOption.AllDirectories), _ => true);

            // Started through the link, as a node runs it: the plugins come from beside the real program,
            // here inside the root (never /usr/lib/cocoon-net of this machine), with no flag or variable.
            var plugins = Shell.Run(link.FullName, ["plugins"], new Dictionary<string, string> { ["COCOON_NET_PLUGINS_DIR"] = "" });
            Assert.True(plugins.ExitCode == 0, plugins.ToString());
            Assert.Contains($"plugins directory: {Path.Combine(root, "usr/lib/cocoon-net/plugins")}\n", plugins.Stdout);
            foreach (var name in new[] { "adopt", "gke", "volcengine" })
            {
                Assert.Matches($@"(?m)^{name}\s.*\sloaded$", plugins.Stdout);
            }

            // PREFIX moves the program, the link and the unit (whose ExecStart follows).
            var local = Shell.Run(Path.Combine(work, TopDirectory, "install.sh"), [],
                new Dictionary<string, string> { ["DESTDIR"] = root, ["PREFIX"] = "/usr/local" }, TimeSpan.FromSeconds(120));
            Assert.True(local.ExitCode == 0, local.ToString());
            Assert.True(File.Exists(Path.Combine(root, "usr/local/lib/cocoon-net/plugins/gke/CocoonNet.Providers.Gke.dll")));
            Assert.Contains("\nExecStart=/usr/local/bin/cocoon-net agent\n",
                File.ReadAllText(Path.Combine(root, "usr/local/lib/systemd/system/cocoon-net.service")));
            Assert.Equal("../lib/cocoon-net/cocoon-net", new FileInfo(Path.Combine(root, "usr/local/bin/cocoon-net")).LinkTarget);

            // uninstall.sh removes exactly that, for either prefix: no file is left.
            foreach (var prefix in new[] { "/usr", "/usr/local" })
            {
                var uninstall = Shell.Run(Path.Combine(work, TopDirectory, "uninstall.sh"), [],
                    new Dictionary<string, string> { ["DESTDIR"] = root, ["PREFIX"] = prefix });
                Assert.True(uninstall.ExitCode == 0, uninstall.ToString());
            }

            Assert.Empty(Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories));
            Assert.Empty(Directory.EnumerateFileSystemEntries(root, "cocoon-net*", SearchOption.AllDirectories));
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    [ReleaseFact("tarball")]
    public void Install_script_never_writes_through_a_link_planted_in_the_destination_and_completes_an_interrupted_swap()
    {
        var work = ReleaseArtifacts.TemporaryDirectory("release-links");
        try
        {
            Shell.Check("tar", "-C", work, "-xzf", ReleaseArtifacts.Tarball);
            var root = Path.Combine(work, "root");
            var outside = Path.Combine(work, "outside");
            Directory.CreateDirectory(outside);
            var victim = Path.Combine(outside, "victim");
            File.WriteAllText(victim, "untouched\n");
            var units = Path.Combine(root, "usr/lib/systemd/system");
            var man = Path.Combine(root, "usr/share/man/man8");
            var completions = Path.Combine(root, "usr/share/bash-completion/completions");
            foreach (var dir in new[] { units, man, completions, Path.Combine(root, "usr/lib/cocoon-net.old") })
            {
                Directory.CreateDirectory(dir);
            }

            // Links where install.sh writes files (to a file outside, and to a directory outside), and the state
            // an install killed between its two renames leaves: lib/cocoon-net.old and no lib/cocoon-net.
            File.CreateSymbolicLink(Path.Combine(units, "cocoon-net.service"), victim);
            File.CreateSymbolicLink(Path.Combine(units, "cocoon-net.service.new"), victim);
            File.CreateSymbolicLink(Path.Combine(man, "cocoon-net.8.gz"), outside);
            File.CreateSymbolicLink(Path.Combine(completions, "cocoon-net"), victim);
            File.WriteAllText(Path.Combine(root, "usr/lib/cocoon-net.old/marker"), "old\n");

            var install = Shell.Run(Path.Combine(work, TopDirectory, "install.sh"), [], new Dictionary<string, string> { ["DESTDIR"] = root },
                TimeSpan.FromSeconds(120));
            Assert.True(install.ExitCode == 0, install.ToString());

            Assert.Equal("untouched\n", File.ReadAllText(victim));
            Assert.Equal(["victim"], Directory.EnumerateFileSystemEntries(outside).Select(e => Path.GetFileName(e)));
            foreach (var file in new[] { Path.Combine(units, "cocoon-net.service"), Path.Combine(man, "cocoon-net.8.gz"), Path.Combine(completions, "cocoon-net") })
            {
                Assert.Null(new FileInfo(file).LinkTarget);
                Assert.True(new FileInfo(file).Length > 0, file);
            }

            Assert.Contains("\nExecStart=/usr/bin/cocoon-net agent\n", File.ReadAllText(Path.Combine(units, "cocoon-net.service")));
            Assert.True(File.Exists(Path.Combine(root, "usr/lib/cocoon-net/cocoon-net")));
            Assert.False(Directory.Exists(Path.Combine(root, "usr/lib/cocoon-net.old")));
            Assert.Empty(Directory.EnumerateFiles(root, ".cocoon-net.*", SearchOption.AllDirectories));

            var odd = Shell.Run(Path.Combine(work, TopDirectory, "install.sh"), [],
                new Dictionary<string, string> { ["DESTDIR"] = Path.Combine(work, "odd"), ["PREFIX"] = "/opt/a#b" });
            Assert.Equal(2, odd.ExitCode);
            Assert.StartsWith("Error: PREFIX may hold only", odd.Stderr, StringComparison.Ordinal);
            Assert.False(Directory.Exists(Path.Combine(work, "odd")));
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    [ReleaseFact("tarball")]
    public void Install_script_refuses_arguments_and_a_relative_prefix_before_it_writes_anything()
    {
        var work = ReleaseArtifacts.TemporaryDirectory("release-bad-input");
        try
        {
            Shell.Check("tar", "-C", work, "-xzf", ReleaseArtifacts.Tarball);
            var script = Path.Combine(work, TopDirectory, "install.sh");
            var root = Path.Combine(work, "root");

            var argument = Shell.Run(script, ["--prefix=/opt"], new Dictionary<string, string> { ["DESTDIR"] = root });
            Assert.Equal(2, argument.ExitCode);
            Assert.StartsWith("Error: install.sh takes no arguments", argument.Stderr, StringComparison.Ordinal);

            var relative = Shell.Run(script, [], new Dictionary<string, string> { ["DESTDIR"] = root, ["PREFIX"] = "usr" });
            Assert.Equal(2, relative.ExitCode);
            Assert.StartsWith("Error: PREFIX must be an absolute path", relative.Stderr, StringComparison.Ordinal);
            Assert.False(Directory.Exists(root));
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    [ReleaseFact("tarball")]
    public void Tarball_holds_only_what_runs_reproducibly_and_its_checksums_match() =>
        ReleaseContents.AssertHoldsOnlyWhatRunsReproducibly(ReleaseArtifacts.Tarball, ReleaseArtifacts.LatestTarball);
}
