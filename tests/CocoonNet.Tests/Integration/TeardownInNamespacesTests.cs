using CocoonNet.Tests.Support;

namespace CocoonNet.Tests.Integration;

/// <summary>Teardown finishes: mount points it did not create stay, a failing part does not stop the rest.</summary>
[Collection(NamespaceCollection.Name)]
public sealed class TeardownInNamespacesTests
{
    private static readonly string[] Adopt = ["adopt", "--node-name", "sandbox", "--subnet", "172.20.0.0/24", "--manage-iptables"];

    [PrivilegedFact]
    public void Config_directories_that_are_bind_mounts_stay_and_teardown_exits_zero_leaving_nothing()
    {
        using var sandbox = new Sandbox();
        // The way a container with hostPath volumes sees them: cocoon-net's config dirs are mount points.
        string[] targets = [sandbox.PathOf("/etc/dnsmasq-cni.d"), sandbox.PathOf("/etc/cni/net.d")];
        var sources = targets.Select(_ => Directory.CreateTempSubdirectory("cocoon-net-volume-").FullName).ToList();
        var mounted = new List<string>();
        try
        {
            for (var i = 0; i < targets.Length; i++)
            {
                Directory.CreateDirectory(targets[i]);
                Shell.Check("mount", "--bind", sources[i], targets[i]);
                mounted.Add(targets[i]);
            }

            var adopt = sandbox.CocoonNet(Adopt);
            Assert.True(adopt.ExitCode == 0, adopt.ToString());
            Assert.True(File.Exists(Path.Combine(sources[0], "cni0.conf")));
            Assert.True(File.Exists(Path.Combine(sources[1], "30-dnsmasq-dhcp.conflist")));

            var teardown = sandbox.CocoonNet("teardown");
            Assert.True(teardown.ExitCode == 0, teardown.ToString());
            Assert.DoesNotContain("Error", teardown.Stderr, StringComparison.Ordinal);
            Assert.All(sources, s => Assert.Empty(Directory.EnumerateFileSystemEntries(s)));
            var mounts = File.ReadAllText("/proc/self/mountinfo");
            Assert.All(targets, t => Assert.Contains($" {t} ", mounts, StringComparison.Ordinal));
            Assert.False(File.Exists(Path.Combine(sandbox.StateDirectory, "pool.json")));
            Assert.DoesNotContain("cni0", sandbox.Links(sandbox.Node));
            Assert.Empty(sandbox.RoutesWithProtocol("204"));
            Assert.DoesNotContain("COCOON", sandbox.IptablesSave(), StringComparison.Ordinal);
        }
        finally
        {
            foreach (var target in mounted)
            {
                Shell.Run("umount", [target]);
            }

            foreach (var source in sources)
            {
                Directory.Delete(source, recursive: true);
            }
        }
    }

    [PrivilegedFact]
    public void A_failing_part_does_not_stop_the_rest_and_the_exit_code_says_what_is_left()
    {
        using var sandbox = new Sandbox();
        Assert.Equal(0, sandbox.CocoonNet(Adopt).ExitCode);

        // iptables-restore that refuses: the rules cannot go, everything else can.
        var fakeBin = Directory.CreateTempSubdirectory("cocoon-net-fakebin-");
        try
        {
            var restore = Path.Combine(fakeBin.FullName, "iptables-restore");
            File.WriteAllText(restore, "#!/bin/sh\necho 'iptables-restore: resource busy' >&2\nexit 4\n");
            File.SetUnixFileMode(restore, UnixFileMode.UserRead | UnixFileMode.UserExecute);
            var failing = new Dictionary<string, string> { ["PATH"] = $"{fakeBin.FullName}:{Environment.GetEnvironmentVariable("PATH")}" };

            var partial = sandbox.CocoonNet(["teardown"], failing);
            Assert.True(partial.ExitCode == 1, partial.ToString());
            Assert.Contains("iptables  ! failed:", partial.Stdout, StringComparison.Ordinal);
            Assert.Contains("cocoon-net teardown incomplete (generic)", partial.Stdout, StringComparison.Ordinal);
            Assert.Contains("  iptables chains COCOON-NET-* and their jumps", partial.Stdout, StringComparison.Ordinal);
            Assert.DoesNotContain("cni0", sandbox.Links(sandbox.Node));
            Assert.Empty(sandbox.RoutesWithProtocol("204"));
            Assert.Null(sandbox.DnsmasqPid());
            Assert.False(File.Exists(sandbox.PathOf("/etc/cni/net.d/30-dnsmasq-dhcp.conflist")));
            Assert.Contains("COCOON-NET-FORWARD", sandbox.IptablesSave(), StringComparison.Ordinal);
            var state = File.ReadAllText(Path.Combine(sandbox.StateDirectory, "pool.json"));
            Assert.Contains("\"iptables\": true", state, StringComparison.Ordinal);
            Assert.Contains("\"bridgeCreated\": false", state, StringComparison.Ordinal);

            var finished = sandbox.CocoonNet("teardown");
            Assert.True(finished.ExitCode == 0, finished.ToString());
            NodeChecks.AssertClean(sandbox, "after the second teardown");
        }
        finally
        {
            fakeBin.Delete(recursive: true);
        }
    }
}
