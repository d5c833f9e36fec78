using System.Diagnostics;
using System.Security.Cryptography;
using System.Text.RegularExpressions;
using CocoonNet.Tests.Support;

namespace CocoonNet.Tests.Integration;

/// <summary>
/// The product binary against a hostile filesystem: links planted where it writes, a FIFO or a directory
/// where pool.json belongs, a full disk, a held lock, a pool.json that provisioned nothing. Each is refused
/// (or handled) at once with a message naming the path and what to do, and nothing outside changes.
/// </summary>
[Collection(NamespaceCollection.Name)]
public sealed class HostileFilesTests
{
    private static readonly string[] Adopt = ["adopt", "--node-name", "sandbox", "--subnet", "172.20.0.0/24", "--pool-size", "20"];

    [PrivilegedFact]
    public void Symlinks_planted_at_every_file_it_writes_are_refused_and_the_outside_file_is_unchanged()
    {
        using var sandbox = new Sandbox();
        var outsideDirectory = Directory.CreateTempSubdirectory("cocoon-outside-").FullName;
        try
        {
            var victim = Path.Combine(outsideDirectory, "shadow");
            File.WriteAllText(victim, "root:*:1:0:99999:7:::\n");
            File.SetUnixFileMode(victim, UnixFileMode.UserRead);
            var before = Fingerprint(victim);
            var plants = new[]
            {
                Path.Combine(sandbox.StateDirectory, "pool.json"),
                Path.Combine(sandbox.StateDirectory, ".lock"),
                sandbox.PathOf("/etc/dnsmasq-cni.d/cni0.conf"),
                sandbox.PathOf("/etc/cni/net.d/30-dnsmasq-dhcp.conflist"),
            };
            foreach (var plant in plants)
            {
                Directory.CreateDirectory(Path.GetDirectoryName(plant)!);
                File.Delete(plant); // the lock file a teardown leaves
                File.CreateSymbolicLink(plant, victim);
                var result = sandbox.CocoonNet(Adopt);
                Assert.True(result.ExitCode == 1, $"{plant}: {result}");
                Assert.Contains($"Error: {plant} is a symbolic link; cocoon-net never reads or writes through a link", result.Stderr);
                Assert.Equal(before, Fingerprint(victim));

                File.Delete(plant);
                var teardown = sandbox.CocoonNet("teardown");
                Assert.True(teardown.ExitCode == 0, $"{plant}: {teardown}");
            }

            // The state dir itself a link to somewhere else: nothing is created there.
            Directory.Delete(sandbox.StateDirectory, recursive: true);
            File.CreateSymbolicLink(sandbox.StateDirectory, outsideDirectory);
            var linked = sandbox.CocoonNet(Adopt);
            Assert.Equal(1, linked.ExitCode);
            Assert.Contains($"Error: {sandbox.StateDirectory} is a symbolic link; cocoon-net writes only into real directories", linked.Stderr);
            Assert.Equal(["shadow"], Directory.GetFileSystemEntries(outsideDirectory).Select(Path.GetFileName));
            Assert.Equal(before, Fingerprint(victim));
            Assert.DoesNotContain("cni0", sandbox.Links(sandbox.Node));
        }
        finally
        {
            Directory.Delete(outsideDirectory, recursive: true);
        }
    }

    [PrivilegedFact]
    public void A_fifo_or_a_directory_at_pool_json_fails_adopt_status_and_teardown_at_once_and_clearly()
    {
        using var sandbox = new Sandbox();
        var pool = Path.Combine(sandbox.StateDirectory, "pool.json");
        Directory.CreateDirectory(sandbox.StateDirectory);
        foreach (var (make, what) in new (Action, string)[]
                 {
                     (() => Shell.Check("mkfifo", pool), "a named pipe (FIFO)"),
                     (() => Directory.CreateDirectory(pool), "a directory"),
                 })
        {
            make();
            foreach (var command in new[] { Adopt, ["status"], ["status", "-o", "json"], ["teardown"] })
            {
                var clock = Stopwatch.StartNew();
                var result = sandbox.CocoonNet(command);
                Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"{string.Join(' ', command)} took {clock.Elapsed}");
                Assert.True(result.ExitCode == 1, $"{string.Join(' ', command)}: {result}");
                var error = Assert.Single(result.Stderr.Split('\n'), l => l.StartsWith("Error: ", StringComparison.Ordinal));
                Assert.Equal($"Error: {pool} is {what}, not a regular file: remove or rename it and retry", error);
            }

            Assert.DoesNotContain("cni0", sandbox.Links(sandbox.Node));
            Shell.Check("rm", "-r", pool);
        }
    }

    [PrivilegedFact]
    public void A_full_disk_under_the_state_dir_is_reported_as_such_at_once()
    {
        using var sandbox = new Sandbox();
        var parent = Path.GetDirectoryName(sandbox.StateDirectory)!;
        Directory.CreateDirectory(parent);
        // A private mount namespace: the tiny tmpfs exists only for this command and vanishes with it.
        var script = $"""
            set -e
            mount -t tmpfs -o size=16k,mode=0755 cocoon-full '{parent}'
            dd if=/dev/zero of='{parent}/fill' bs=4k 2>/dev/null || true
            exec ip netns exec '{sandbox.Node}' '{TestEnvironment.Binary}' {string.Join(' ', Adopt)}
            """;
        var clock = Stopwatch.StartNew();
        var result = Shell.Run("unshare", ["-m", "--propagation", "private", "sh", "-c", script], new Dictionary<string, string>
        {
            ["COCOON_NET_ROOT"] = sandbox.Root,
            ["COCOON_NET_PLUGINS_DIR"] = sandbox.PluginsDirectory,
        }, TimeSpan.FromSeconds(60));
        Assert.True(result.ExitCode == 1, result.ToString());
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(4), $"took {clock.Elapsed}");
        Assert.Matches($"(?m)^Error: no space left on device (creating|writing) {Regex.Escape(sandbox.StateDirectory)}", result.Stderr);
        Assert.DoesNotContain("holds the lock", result.Stderr);
        Assert.DoesNotContain("cni0", sandbox.Links(sandbox.Node));
        Assert.False(Directory.Exists(sandbox.StateDirectory), "the tmpfs leaked out of its mount namespace");
    }

    [PrivilegedFact]
    public void A_held_lock_is_reported_with_the_holders_pid()
    {
        using var sandbox = new Sandbox();
        Directory.CreateDirectory(sandbox.StateDirectory);
        // An empty lock file: the pid comes from the kernel's lock table, not from what the holder wrote.
        using (new FileStream(Path.Combine(sandbox.StateDirectory, ".lock"), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None))
        {
            var result = sandbox.CocoonNet(Adopt);
            Assert.Equal(1, result.ExitCode);
            Assert.Contains($"Error: another cocoon-net run (pid {Environment.ProcessId}) holds the lock on {sandbox.StateDirectory}; wait for it to finish and retry",
                result.Stderr);
        }
    }

    [PrivilegedFact]
    public void A_non_root_run_says_that_root_is_needed()
    {
        using var sandbox = new Sandbox();
        Assert.Equal(0, sandbox.CocoonNet(Adopt).ExitCode);
        var pool = Path.Combine(sandbox.StateDirectory, "pool.json");
        foreach (var command in new[] { ["status"], Adopt, ["teardown"] })
        {
            var result = Shell.Run("ip", ["netns", "exec", sandbox.Node, "setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", TestEnvironment.Binary,
                .. command], new Dictionary<string, string> { ["COCOON_NET_ROOT"] = sandbox.Root, ["COCOON_NET_PLUGINS_DIR"] = sandbox.PluginsDirectory });
            if (command[0] == "status")
            {
                // status may run as any user where it can read; here it cannot, and says why.
                Assert.True(result.ExitCode == 1, $"status: {result}");
                Assert.Matches($"^Error: permission denied reading {Regex.Escape(pool)}: cocoon-net must run as root$", result.Stderr.Trim());
            }
            else
            {
                // Commands that change the host refuse a non-root user before touching anything: bad input.
                Assert.True(result.ExitCode == 2, $"{string.Join(' ', command)}: {result}");
                Assert.Equal("Error: cocoon-net must run as root (it changes the host network)", result.Stderr.Trim());
            }
        }

        Assert.Equal(0, sandbox.CocoonNet("teardown").ExitCode);
    }

    [PrivilegedFact]
    public void A_pool_json_that_provisioned_nothing_neither_blocks_adopt_nor_needs_the_cloud_for_teardown()
    {
        using var sandbox = new Sandbox();
        var pool = Path.Combine(sandbox.StateDirectory, "pool.json");
        // What a first Volcengine init that failed on bad credentials left behind in earlier versions (nodes may
        // still hold it).
        var leftover = """
            {
              "platform": "volcengine",
              "nodeName": "vol1",
              "subnet": "172.20.0.0/24",
              "gateway": "172.20.0.1",
              "primaryNIC": "up0",
              "ips": null,
              "dnsServers": ["8.8.8.8", "1.1.1.1"],
              "mode": "init",
              "plugin": "volcengine",
              "manageIptables": true,
              "updatedAt": "2026-11-28T10:00:00Z"
            }
            """;
        Directory.CreateDirectory(sandbox.StateDirectory);
        File.WriteAllText(pool, leftover);
        var teardown = sandbox.CocoonNet("teardown");
        Assert.True(teardown.ExitCode == 0, teardown.ToString());
        Assert.Contains($"nothing to tear down: {pool} records nothing provisioned; removed it", teardown.Stdout);
        Assert.False(File.Exists(pool));

        File.WriteAllText(pool, leftover);
        var adopt = sandbox.CocoonNet(Adopt);
        Assert.True(adopt.ExitCode == 0, adopt.ToString());
        Assert.Contains("cocoon-net adopt complete: 20 IPs registered on 172.20.0.0/24 (generic, cloud preserved)", adopt.Stdout);
        Assert.Contains("\"mode\": \"adopt\"", File.ReadAllText(pool));
        var done = sandbox.CocoonNet("teardown");
        Assert.True(done.ExitCode == 0, done.ToString());
        Assert.False(File.Exists(pool));
        Assert.DoesNotContain("cni0", sandbox.Links(sandbox.Node));
    }

    private static (string Hash, UnixFileMode Mode, DateTime Modified) Fingerprint(string path) =>
        (Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(path))), File.GetUnixFileMode(path), File.GetLastWriteTimeUtc(path));
}
