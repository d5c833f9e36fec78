using CocoonNet.Tests.Support;

namespace CocoonNet.Tests.Release;

/// <summary>The Debian package: <c>make deb</c> lays the node out like the tarball, depends on what it runs, starts nothing, passes lintian.</summary>
public sealed class DebPackageTests
{
    [ReleaseFact("deb")]
    public void Package_declares_its_dependencies_and_installs_the_program_link_unit_and_completions_owned_by_root()
    {
        var info = Shell.Check("dpkg-deb", "--field", ReleaseArtifacts.Deb, "Package", "Version", "Architecture", "Depends");
        Assert.Contains("Package: cocoon-net\n", info);
        Assert.Contains($"Version: {ReleaseArtifacts.Version}\n", info);
        Assert.Contains("Architecture: amd64\n", info);
        var depends = info.Split('\n').Single(l => l.StartsWith("Depends: ", StringComparison.Ordinal))["Depends: ".Length..]
            .Split(',', StringSplitOptions.TrimEntries).Select(d => d.Split(' ')[0]).ToList();
        // The tools it drives, and what the self-contained runtime links (libc, libgcc, libstdc++) or loads for HTTPS (libssl).
        foreach (var package in new[] { "dnsmasq-base", "dnsmasq-utils", "iptables", "iproute2", "nftables", "libc6", "libgcc-s1", "libstdc++6", "libssl3" })
        {
            Assert.Contains(package, depends);
        }

        var contents = Shell.Check("dpkg-deb", "--contents", ReleaseArtifacts.Deb).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var paths = contents.Select(l => l[(l.IndexOf(" ./", StringComparison.Ordinal) + 1)..]).ToList();
        foreach (var expected in new[] { "./usr/lib/cocoon-net/cocoon-net", "./usr/lib/cocoon-net/plugins/adopt/CocoonNet.Providers.Adopt.dll",
                     "./usr/lib/cocoon-net/plugins/gke/CocoonNet.Providers.Gke.dll", "./usr/lib/cocoon-net/plugins/volcengine/CocoonNet.Providers.Volcengine.dll",
                     "./usr/bin/cocoon-net -> ../lib/cocoon-net/cocoon-net", "./usr/lib/systemd/system/cocoon-net.service",
                     "./usr/share/bash-completion/completions/cocoon-net", "./usr/share/man/man8/cocoon-net.8.gz",
                     "./usr/share/doc/cocoon-net/copyright", "./usr/share/doc/cocoon-net/changelog.gz" })
        {
            Assert.Contains(expected, paths);
        }

        Assert.All(contents, l => Assert.Contains(" root/root ", l));
        Assert.DoesNotContain(paths, p => p.EndsWith(".pdb", StringComparison.Ordinal) || p.EndsWith(".xml", StringComparison.Ordinal)
            || p.EndsWith("/createdump", StringComparison.Ordinal) || p.StartsWith("./etc/", StringComparison.Ordinal));
    }

    [ReleaseFact("deb")]
    public void Maintainer_scripts_enable_and_start_nothing_and_removal_only_stops_the_agent()
    {
        var work = ReleaseArtifacts.TemporaryDirectory("deb-control");
        try
        {
            Shell.Check("dpkg-deb", "--control", ReleaseArtifacts.Deb, work);
            var postinst = Code(Path.Combine(work, "postinst"));
            Assert.DoesNotContain(" enable", postinst);
            Assert.DoesNotContain(" start ", postinst);
            Assert.Contains("try-restart cocoon-net.service", postinst);
            var prerm = Code(Path.Combine(work, "prerm"));
            Assert.Contains("if [ \"$1\" = \"remove\" ] && [ -d /run/systemd/system ]; then", prerm);
            Assert.Contains("deb-systemd-invoke stop cocoon-net.service", prerm);
            Assert.DoesNotContain("teardown", prerm);
            Assert.DoesNotContain(" enable", Code(Path.Combine(work, "postrm")));
            Assert.True(File.Exists(Path.Combine(work, "md5sums")));
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    [Fact]
    public void Purge_removes_the_enablement_link_an_administrator_made_and_remove_keeps_it()
    {
        // The package's own postrm, run as dpkg runs it under an installation root (DPKG_ROOT): no systemd is
        // reloaded there and nothing outside the root is touched.
        var root = Directory.CreateTempSubdirectory("cocoon-net-postrm-").FullName;
        try
        {
            var wants = Path.Combine(root, "etc/systemd/system/multi-user.target.wants");
            Directory.CreateDirectory(wants);
            var link = Path.Combine(wants, "cocoon-net.service");
            var other = Path.Combine(wants, "other.service");
            File.CreateSymbolicLink(link, "/usr/lib/systemd/system/cocoon-net.service");
            File.CreateSymbolicLink(other, "/usr/lib/systemd/system/other.service");
            var postrm = Path.Combine(TestEnvironment.RepositoryRoot, "packaging/deb/postrm");
            var env = new Dictionary<string, string> { ["DPKG_ROOT"] = root };

            var remove = Shell.Run("sh", [postrm, "remove"], env);
            Assert.True(remove.ExitCode == 0, remove.ToString());
            Assert.NotNull(new FileInfo(link).LinkTarget);

            var purge = Shell.Run("sh", [postrm, "purge"], env);
            Assert.True(purge.ExitCode == 0, purge.ToString());
            Assert.False(File.Exists(link) || new FileInfo(link).LinkTarget is not null);
            Assert.NotNull(new FileInfo(other).LinkTarget);
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    /// <summary>A maintainer script without its comments (which say what it does not do).</summary>
    private static string Code(string script) =>
        string.Join('\n', File.ReadAllLines(script).Where(l => !l.TrimStart().StartsWith('#')));

    [ReleaseFact("deb")]
    public void Unpacked_package_runs_and_finds_its_plugins()
    {
        var root = ReleaseArtifacts.TemporaryDirectory("deb-root");
        try
        {
            Shell.Check("dpkg-deb", "--extract", ReleaseArtifacts.Deb, root);
            var plugins = Shell.Run(Path.Combine(root, "usr/bin/cocoon-net"), ["plugins"], new Dictionary<string, string> { ["COCOON_NET_PLUGINS_DIR"] = "" });
            Assert.True(plugins.ExitCode == 0, plugins.ToString());
            Assert.Contains($"plugins directory: {Path.Combine(root, "usr/lib/cocoon-net/plugins")}\n", plugins.Stdout);
            Assert.Matches(@"(?m)^gke\s.*\sloaded$", plugins.Stdout);
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    [ReleaseFact("deb")]
    [Trait("Tool", "lintian")]
    public async Task Lintian_reports_no_errors()
    {
        // lintian is what Debian's archive runs; an error is a packaging bug. Kept warnings: packaging/deb/lintian-overrides and the README.
        Assert.True(File.Exists("/usr/bin/lintian") || !TestEnvironment.IsCi, "lintian is not installed (make deps-system)");
        if (!File.Exists("/usr/bin/lintian"))
        {
            return;
        }

        // The arm64 package is checked where make test's background build is awaited (CocoonNet.Parity.Tests, Arm64ArtifactTests).
        var runs = new[] { await Task.Run(() => Shell.Run("lintian", ["--fail-on", "error", ReleaseArtifacts.Deb], timeout: TimeSpan.FromMinutes(10))) };
        foreach (var lintian in runs)
        {
            Assert.True(lintian.ExitCode == 0, lintian.ToString());
            Assert.DoesNotContain("\nE: ", "\n" + lintian.Stdout);
        }
    }
}
