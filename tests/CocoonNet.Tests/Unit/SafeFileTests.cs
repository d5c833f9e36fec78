using System.Diagnostics;
using System.Security.Cryptography;
using CocoonNet.Node.Dhcp;
using CocoonNet.Node.Linux;
using CocoonNet.Node.Pipeline;
using CocoonNet.Node.Pipeline.Steps;
using CocoonNet.Node.State;
using CocoonNet.Tests.Support;
using NSubstitute;

namespace CocoonNet.Tests.Unit;

/// <summary>
/// The file layer against hostile paths: links, FIFOs, directories and devices are refused (never written
/// through, never blocked on), temp files are unpredictable and exclusive, modes are exact.
/// </summary>
public sealed class SafeFileTests : IDisposable
{
    [Theory]
    [InlineData(".agent.json.0123456789abcdef.tmp", true)]
    [InlineData(".leases.json.fedcba9876543210.tmp", true)]
    [InlineData(".agent.json.0123456789ABCDEF.tmp", false)]
    [InlineData(".agent.json.0123456789abcde.tmp", false)]
    [InlineData("agent.json.0123456789abcdef.tmp", false)]
    [InlineData(".0123456789abcdef.tmp", false)]
    [InlineData("agent.json", false)]
    public void Atomic_writes_temporary_files_are_recognised_by_their_name_alone(string name, bool temporary) =>
        Assert.Equal(temporary, AtomicFile.IsTemporary(name));

    private const UnixFileMode Mode0640 = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead;
    private readonly string _dir = Directory.CreateTempSubdirectory("cocoon-safefile-").FullName;
    private readonly string _outside;

    public SafeFileTests()
    {
        _outside = Path.Combine(Directory.CreateTempSubdirectory("cocoon-outside-").FullName, "victim");
        File.WriteAllText(_outside, "do not touch\n");
        File.SetUnixFileMode(_outside, UnixFileMode.UserRead | UnixFileMode.UserWrite);
    }

    public void Dispose()
    {
        Directory.Delete(_dir, recursive: true);
        Directory.Delete(Path.GetDirectoryName(_outside)!, recursive: true);
    }

    [Fact]
    public void Write_gives_the_exact_mode_whatever_the_umask_and_leaves_no_temp_file()
    {
        var path = Path.Combine(_dir, "cni0.conf");
        var mode = Mode0640 | UnixFileMode.GroupWrite | UnixFileMode.OtherRead; // 0664: a umask of 022 would narrow it
        AtomicFile.Write(path, "a=1\n", mode);
        Assert.Equal("a=1\n", File.ReadAllText(path));
        Assert.Equal(mode, File.GetUnixFileMode(path));

        AtomicFile.Write(path, "a=2\n", Mode0640);
        Assert.Equal("a=2\n", File.ReadAllText(path));
        Assert.Equal(Mode0640, File.GetUnixFileMode(path));
        Assert.Equal(["cni0.conf"], Directory.GetFiles(_dir).Select(Path.GetFileName));
        Assert.True(AtomicFile.HasContent(path, "a=2\n"));
        Assert.False(AtomicFile.HasContent(path, "a=1\n"));
        Assert.False(AtomicFile.HasContent(Path.Combine(_dir, "missing"), ""));
    }

    [Fact]
    public void A_symlink_at_the_target_is_refused_and_what_it_points_at_is_unchanged()
    {
        var path = Path.Combine(_dir, "pool.json");
        File.CreateSymbolicLink(path, _outside);
        var before = Fingerprint(_outside);

        var write = Assert.Throws<UnsafeFileException>(() => AtomicFile.Write(path, "{}", Mode0640));
        Assert.Equal($"{path} is a symbolic link; cocoon-net never reads or writes through a link: remove the link (or replace it with the real file) and retry",
            write.Message);
        Assert.Throws<UnsafeFileException>(() => AtomicFile.HasContent(path, "do not touch\n"));
        var load = Assert.Throws<UnsafeFileException>(() => new PoolStateStore(_dir, TimeProvider.System).Load());
        Assert.Contains("is a symbolic link", load.Message);

        Assert.Equal(before, Fingerprint(_outside));
        Assert.Equal(["pool.json"], Directory.GetFileSystemEntries(_dir).Select(Path.GetFileName)); // no temp left
    }

    [Fact]
    public void Planted_links_at_predictable_temp_names_are_never_used()
    {
        var path = Path.Combine(_dir, "pool.json");
        // The names earlier versions used: .pool.json.<pid>.tmp.
        foreach (var pid in new[] { Environment.ProcessId, Environment.ProcessId + 1 })
        {
            File.CreateSymbolicLink(Path.Combine(_dir, $".pool.json.{pid}.tmp"), _outside);
        }

        var before = Fingerprint(_outside);
        AtomicFile.Write(path, "{}", Mode0640);
        Assert.Equal("{}", File.ReadAllText(path));
        Assert.Equal(before, Fingerprint(_outside));
        Assert.Equal(3, Directory.GetFileSystemEntries(_dir).Length);
    }

    [Fact]
    public void Temp_files_a_killed_run_left_are_removed_once_old_and_links_never_followed()
    {
        var path = Path.Combine(_dir, "cni0.conf");
        var stale = Path.Combine(_dir, ".cni0.conf.0123456789abcdef.tmp");
        var fresh = Path.Combine(_dir, ".cni0.conf.fedcba9876543210.tmp");
        var link = Path.Combine(_dir, ".cni0.conf.link.tmp");
        File.WriteAllText(stale, "half");
        File.SetLastWriteTimeUtc(stale, DateTime.UtcNow.AddHours(-1));
        File.WriteAllText(fresh, "in flight");
        File.CreateSymbolicLink(link, _outside);
        var before = Fingerprint(_outside);

        AtomicFile.Write(path, "x", Mode0640);
        Assert.False(File.Exists(stale));
        Assert.True(File.Exists(fresh));
        Assert.NotNull(File.ResolveLinkTarget(link, returnFinalTarget: false));
        Assert.Equal(before, Fingerprint(_outside));
    }

    [Fact]
    public void A_fifo_a_directory_or_a_device_at_the_target_is_refused_at_once()
    {
        var fifo = Path.Combine(_dir, "fifo");
        Shell.Check("mkfifo", fifo);
        var directory = Path.Combine(_dir, "pool.json");
        Directory.CreateDirectory(directory);

        var clock = Stopwatch.StartNew();
        Assert.Equal($"{fifo} is a named pipe (FIFO), not a regular file: remove or rename it and retry",
            Assert.Throws<UnsafeFileException>(() => AtomicFile.HasContent(fifo, "x")).Message);
        Assert.Throws<UnsafeFileException>(() => AtomicFile.Write(fifo, "x", Mode0640));
        Assert.Throws<UnsafeFileException>(() => SafeFile.TryRead("/dev/zero", 1 << 20, out _));
        Assert.Equal($"{directory} is a directory, not a regular file: remove or rename it and retry",
            Assert.Throws<UnsafeFileException>(() => new PoolStateStore(_dir, TimeProvider.System).Load()).Message);
        Assert.Throws<UnsafeFileException>(() => AtomicFile.Write(directory, "x", Mode0640));
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(2), $"took {clock.Elapsed}");
    }

    [Theory]
    [InlineData("etc/systemd/system/dnsmasq-cni.service")]
    [InlineData("etc/dnsmasq-cni.d/cni0.conf")]
    [InlineData("run/cocoon-net/dnsmasq-cni.applied")]
    public async Task The_dhcp_step_refuses_a_link_at_its_config_unit_or_stamp_before_changing_anything(string file)
    {
        var paths = new HostPaths(_dir);
        var plant = paths.Under(file);
        Directory.CreateDirectory(Path.GetDirectoryName(plant)!);
        File.CreateSymbolicLink(plant, _outside);
        var before = Fingerprint(_outside);
        var runner = Substitute.For<IProcessRunner>();
        runner.RunAsync("systemctl", Arg.Any<IReadOnlyList<string>>(), null, Arg.Any<CancellationToken>()).Returns(new ProcessResult(0, "0\n", ""));
        var step = new DnsmasqStep(paths, new DhcpServices([new SystemdDhcpService(paths, runner), new ProcessDhcpService(paths, runner)]));

        var e = await Assert.ThrowsAsync<UnsafeFileException>(() =>
            step.PlanSetupAsync(RenderingTests.Spec() with { ServiceMode = DhcpServiceMode.Systemd }, new HostFootprint(), CancellationToken.None));
        Assert.StartsWith($"{plant} is a symbolic link", e.Message);
        Assert.DoesNotContain(runner.ReceivedCalls(), c => c.GetArguments()[1] is IReadOnlyList<string> a && a[0] != "show"); // reads only
        Assert.Equal(before, Fingerprint(_outside));
    }

    [Fact]
    public void A_parent_directory_that_is_a_symlink_is_refused()
    {
        var real = Directory.CreateDirectory(Path.Combine(_dir, "real")).FullName;
        var link = Path.Combine(_dir, "net.d");
        File.CreateSymbolicLink(link, real);

        var e = Assert.Throws<UnsafeFileException>(() => AtomicFile.Write(Path.Combine(link, "30-dnsmasq-dhcp.conflist"), "{}", Mode0640));
        Assert.Contains($"{link} is a symbolic link; cocoon-net writes only into real directories", e.Message);
        Assert.Throws<UnsafeFileException>(() => new PoolStateStore(link, TimeProvider.System).Save(new PoolState { Platform = "generic" }, null));
        Assert.Empty(Directory.GetFileSystemEntries(real));
    }

    [Fact]
    public void A_file_too_large_to_be_a_config_is_not_its_content_and_a_huge_state_is_refused()
    {
        var path = Path.Combine(_dir, "pool.json");
        using (var stream = File.Create(path))
        {
            stream.SetLength(PoolStateStore.MaxStateBytes + 1);
        }

        Assert.False(AtomicFile.HasContent(path, ""));
        var e = Assert.Throws<PoolStateInvalidException>(() => new PoolStateStore(_dir, TimeProvider.System).Load());
        Assert.Contains("is larger than 16 MiB", e.Message);
    }

    [Fact]
    public async Task The_lock_refuses_a_symlink_and_contention_names_the_holders_pid()
    {
        var state = Path.Combine(_dir, "state");
        Directory.CreateDirectory(state);
        var lockPath = Path.Combine(state, StateLock.FileName);
        File.CreateSymbolicLink(lockPath, _outside);
        var before = Fingerprint(_outside);
        var refused = await Assert.ThrowsAsync<UnsafeFileException>(() => StateLock.AcquireAsync(state, TimeSpan.Zero, CancellationToken.None));
        Assert.Contains($"{lockPath} is a symbolic link", refused.Message);
        Assert.Equal(before, Fingerprint(_outside));
        File.Delete(lockPath);

        // Waits, not TimeSpan.Zero: other tests in this process start programs, and a child between fork and
        // exec briefly shares the lock's open file (O_CLOEXEC closes it only at exec).
        using (await StateLock.AcquireAsync(state, TimeSpan.FromSeconds(2), CancellationToken.None))
        {
            // Not through FileStream: .NET's sharing emulation takes a flock of its own.
            using (var handle = Posix.Open(lockPath, Posix.O_RDWR | Posix.O_CLOEXEC, 0, out _))
            {
                var buffer = new byte[32];
                Assert.Equal($"{Environment.ProcessId}\n", System.Text.Encoding.ASCII.GetString(buffer, 0, Posix.ReadAt(handle, buffer, 0, lockPath)));
                Posix.Truncate(handle, lockPath); // as if the holder had not written its pid yet: the kernel's lock table still names it
            }

            var busy = await Assert.ThrowsAsync<InvalidOperationException>(() => StateLock.AcquireAsync(state, TimeSpan.FromMilliseconds(200), CancellationToken.None));
            Assert.Equal($"another cocoon-net run (pid {Environment.ProcessId}) holds the lock on {state}; wait for it to finish and retry", busy.Message);
        }

        using (await StateLock.AcquireAsync(state, TimeSpan.FromSeconds(2), CancellationToken.None))
        {
        }
    }

    [Fact]
    public void The_lock_table_parser_finds_the_flock_on_the_file_and_skips_waiters()
    {
        const string table = """
            1: POSIX  ADVISORY  WRITE 77 00:2a:99 0 EOF
            2: FLOCK  ADVISORY  WRITE 4242 00:2a:1234 0 EOF
            2: -> FLOCK  ADVISORY  WRITE 5151 00:2a:1234 0 EOF
            3: FLOCK  ADVISORY  WRITE 6161 103:02:1234 0 EOF
            """;
        Assert.Equal(4242, StateLock.ParseLockTable(table, 0, 0x2a, 1234));
        Assert.Equal(6161, StateLock.ParseLockTable(table, 0x103, 2, 1234));
        Assert.Null(StateLock.ParseLockTable(table, 0, 0x2a, 99));
    }

    [Fact]
    public void A_state_that_provisioned_nothing_is_treated_as_none()
    {
        var store = new PoolStateStore(_dir, TimeProvider.System);
        var leftover = new PoolState { Platform = "volcengine", NodeName = "n", Subnet = "10.0.0.0/24", Gateway = "10.0.0.1", Mode = PoolState.ModeInit };
        store.Save(leftover, null);
        Assert.True(store.Load()!.IsNeverProvisioned());
        Assert.Null(store.LoadProvisioned());

        store.Save(leftover with { SubnetId = "subnet-1" }, null);
        Assert.NotNull(store.LoadProvisioned());
        store.Save(leftover with { Cloud = StateMap.From([new("subnetToken", "t")]) }, null);
        Assert.NotNull(store.LoadProvisioned());
        store.Save(leftover with { Ips = ["10.0.0.2"] }, null);
        Assert.NotNull(store.LoadProvisioned());
        var withHost = leftover with { Host = new() };
        withHost.Host.BridgeCreated = true;
        store.Save(withHost, null);
        Assert.NotNull(store.LoadProvisioned());
    }

    private static (string Hash, UnixFileMode Mode, DateTime Modified) Fingerprint(string path) =>
        (Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(path))), File.GetUnixFileMode(path), File.GetLastWriteTimeUtc(path));
}
