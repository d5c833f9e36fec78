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
