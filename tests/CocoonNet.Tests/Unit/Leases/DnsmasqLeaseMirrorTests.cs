using CocoonNet.Node.Dhcp;
using System.Net;
using CocoonNet.Host.Agent.Leases;
using CocoonNet.Node.Leases;
using CocoonNet.Node.Linux;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace CocoonNet.Tests.Unit.Leases;

/// <summary>leases.json kept from dnsmasq's lease file: parsing, the pool filter, writes only on change, grants counted, release.</summary>
public sealed class DnsmasqLeaseMirrorTests : IDisposable
{
    /// <summary>2026-12-06 12:00:00 UTC.</summary>
    private static readonly DateTimeOffset Now = new(2026, 12, 6, 12, 0, 0, TimeSpan.Zero);

    private const string MacA = "52:54:00:00:00:0a";
    private const string MacB = "52:54:00:00:00:0b";

    private readonly string _directory = Directory.CreateTempSubdirectory("cocoon-net-mirror-").FullName;
    private readonly FakeTimeProvider _time = new(Now);
    private IReadOnlySet<IPAddress>? _pool = LeaseTestData.Pool("10.0.0.10", "10.0.0.11", "10.0.0.12");

    private string DnsmasqFile => Path.Combine(_directory, "dnsmasq.leases");

    private string LeasesJson => Path.Combine(_directory, "leases.json");

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private static long In(TimeSpan offset) => Now.Add(offset).ToUnixTimeSeconds();

    private static string Line(long expiry, string mac, string ip) => $"{expiry} {mac} {ip} vm 01:{mac}";

    private void Dnsmasq(params string[] lines) => File.WriteAllText(DnsmasqFile, string.Concat(lines.Select(l => l + "\n")));

    private DnsmasqLeaseMirror Mirror(IProcessRunner? runner = null) =>
        new(DnsmasqFile, LeasesJson, () => _pool, runner ?? new FakeRunner(), _time, NullLogger.Instance);

    [Fact]
    public void Parsing_keeps_lease_lines_and_skips_the_duid_line_and_garbage()
    {
        var table = DnsmasqLeaseTable.Parse($"duid 00:01:00:01\n{Line(In(TimeSpan.FromHours(1)), MacA, "10.0.0.10")}\nnonsense\n0 {MacB} 10.0.0.11 * *\n");

        Assert.Equal([new DnsmasqLease(In(TimeSpan.FromHours(1)), MacA, IPAddress.Parse("10.0.0.10")), new DnsmasqLease(0, MacB, IPAddress.Parse("10.0.0.11"))],
            table);
        Assert.Equal(DateTimeOffset.MaxValue, table[1].ExpiresAt);
    }

    [Fact]
    public async Task Leases_json_holds_the_pool_leases_only_in_address_order()
    {
        Dnsmasq(Line(In(TimeSpan.FromHours(1)), "52:54:00:00:00:0C", "10.0.0.12"),
            Line(In(TimeSpan.FromHours(1)), MacA, "10.0.0.10"),
            Line(In(TimeSpan.FromHours(1)), MacB, "192.168.1.5"),
            Line(In(TimeSpan.FromHours(1)), "1-52-54", "10.0.0.11"));
        using var mirror = Mirror();

        await mirror.RefreshAsync(CancellationToken.None);

        var leases = LeaseFile.Read(LeasesJson);
        Assert.Equal([(MacA, "10.0.0.10"), ("52:54:00:00:00:0c", "10.0.0.12")], leases.Select(l => (l.Mac, l.Ip.ToString())));
        Assert.Equal(Now.AddHours(1), leases[0].Expiry);
    }

    [Fact]
    public async Task Leases_json_is_written_only_when_its_content_changes()
    {
        Dnsmasq(Line(In(TimeSpan.FromHours(1)), MacA, "10.0.0.10"));
        using var mirror = Mirror();
        await mirror.RefreshAsync(CancellationToken.None);
        var inode = Inode(LeasesJson);

        // Same leases, other order and an outside address: the same leases.json.
        Dnsmasq(Line(In(TimeSpan.FromHours(1)), MacB, "192.168.1.5"), Line(In(TimeSpan.FromHours(1)), MacA, "10.0.0.10"));
        await mirror.RefreshAsync(CancellationToken.None);
        Assert.Equal(inode, Inode(LeasesJson));

        Dnsmasq(Line(In(TimeSpan.FromHours(2)), MacA, "10.0.0.10"));
        await mirror.RefreshAsync(CancellationToken.None);
        Assert.NotEqual(inode, Inode(LeasesJson));
        Assert.Equal(Now.AddHours(2), LeaseFile.Read(LeasesJson).Single().Expiry);
    }

    [Fact]
    public async Task An_unknown_pool_writes_nothing()
    {
        _pool = null;
        Dnsmasq(Line(In(TimeSpan.FromHours(1)), MacA, "10.0.0.10"));
        using var mirror = Mirror();

        await mirror.RefreshAsync(CancellationToken.None);

        Assert.False(File.Exists(LeasesJson));
    }

    [Fact]
    public async Task Grants_are_new_leases_and_renewals_and_the_first_read_is_the_baseline()
    {
        Dnsmasq(Line(In(TimeSpan.FromHours(1)), MacA, "10.0.0.10"));
        using var mirror = Mirror();
        await mirror.RefreshAsync(CancellationToken.None);
        Assert.Equal(0, mirror.Ok);
        Assert.Equal((1, 2), (mirror.Active, mirror.Available));

        Dnsmasq(Line(In(TimeSpan.FromHours(1)), MacA, "10.0.0.10"), Line(In(TimeSpan.FromHours(1)), MacB, "10.0.0.11"));
        await mirror.RefreshAsync(CancellationToken.None);
        Assert.Equal(1, mirror.Ok); // a new lease

        await mirror.RefreshAsync(CancellationToken.None);
        Assert.Equal(1, mirror.Ok); // nothing changed

        Dnsmasq(Line(In(TimeSpan.FromHours(2)), MacA, "10.0.0.10"), Line(In(TimeSpan.FromHours(1)), MacB, "10.0.0.11"));
        await mirror.RefreshAsync(CancellationToken.None);
        Assert.Equal(2, mirror.Ok); // a renewal

        // Caught mid-rewrite (MacB missing), then whole again: not a new grant.
        Dnsmasq(Line(In(TimeSpan.FromHours(2)), MacA, "10.0.0.10"));
        await mirror.RefreshAsync(CancellationToken.None);
        Dnsmasq(Line(In(TimeSpan.FromHours(2)), MacA, "10.0.0.10"), Line(In(TimeSpan.FromHours(1)), MacB, "10.0.0.11"));
        await mirror.RefreshAsync(CancellationToken.None);
        Assert.Equal(2, mirror.Ok);

        Dnsmasq(Line(In(TimeSpan.FromHours(2)), MacA, "10.0.0.10"), Line(In(TimeSpan.FromHours(1)), MacB, "192.168.1.5"));
        await mirror.RefreshAsync(CancellationToken.None);
        Assert.Equal(2, mirror.Ok); // outside the pool
        Assert.Equal(0, mirror.Failed);
        Assert.Equal((1, 2), (mirror.Active, mirror.Available));
    }

    [Fact]
    public async Task Expired_leases_are_not_active()
    {
        Dnsmasq(Line(In(TimeSpan.FromHours(-1)), MacA, "10.0.0.10"), Line(0, MacB, "10.0.0.11"));
        using var mirror = Mirror();

        await mirror.RefreshAsync(CancellationToken.None);

        Assert.Equal((1, 2), (mirror.Active, mirror.Available));
    }

    [Fact]
    public async Task Release_runs_dhcp_release_waits_for_dnsmasq_then_drops_the_lease_from_leases_json()
    {
        Dnsmasq(Line(In(TimeSpan.FromHours(1)), MacA, "10.0.0.10"), Line(In(TimeSpan.FromHours(1)), MacB, "10.0.0.11"));
        // dnsmasq drops the lease from its file a moment after the RELEASE.
        var runner = new FakeRunner(arguments =>
        {
            _ = Task.Delay(100).ContinueWith(_ => Dnsmasq(Line(In(TimeSpan.FromHours(1)), MacB, "10.0.0.11")), TaskScheduler.Default);
            return new ProcessResult(0, "", "");
        });
        using var mirror = new DnsmasqLeaseMirror(DnsmasqFile, LeasesJson, () => _pool, runner, TimeProvider.System, NullLogger.Instance);
        await mirror.RefreshAsync(CancellationToken.None);

        await mirror.ReleaseAsync(MacA, CancellationToken.None);

        Assert.Equal([$"dhcp_release cni0 10.0.0.10 {MacA}"], runner.Calls);
        Assert.Equal([MacB], LeaseFile.Read(LeasesJson).Select(l => l.Mac));
    }

    [Fact]
    public async Task Release_without_a_lease_only_makes_sure_leases_json_lacks_it()
    {
        _pool = null; // not even known yet
        Dnsmasq(Line(In(TimeSpan.FromHours(1)), MacB, "10.0.0.11"));
        LeaseFile.Write(LeasesJson, [new Lease(MacA, IPAddress.Parse("10.0.0.10"), Now.AddHours(1)), new Lease(MacB, IPAddress.Parse("10.0.0.11"), Now.AddHours(1))]);
        var runner = new FakeRunner();
        using var mirror = Mirror(runner);

        await mirror.ReleaseAsync(MacA, CancellationToken.None);
        await mirror.ReleaseAsync(MacA, CancellationToken.None);

        Assert.Empty(runner.Calls);
        Assert.Equal([MacB], LeaseFile.Read(LeasesJson).Select(l => l.Mac));
    }

    [Fact]
    public async Task Release_without_dhcp_release_installed_says_which_package()
    {
        Dnsmasq(Line(In(TimeSpan.FromHours(1)), MacA, "10.0.0.10"));
        using var mirror = Mirror(new FakeRunner { Missing = true });

        var error = await Assert.ThrowsAsync<LeaseReleaseException>(() => mirror.ReleaseAsync(MacA, CancellationToken.None));

        Assert.Equal("dhcp_release (package dnsmasq-utils) is not installed", error.Message);
    }

    [Fact]
    public async Task Release_that_dhcp_release_refuses_names_the_command()
    {
        Dnsmasq(Line(In(TimeSpan.FromHours(1)), MacA, "10.0.0.10"));
        using var mirror = Mirror(new FakeRunner(_ => new ProcessResult(1, "", "cannot send")));

        var error = await Assert.ThrowsAsync<LeaseReleaseException>(() => mirror.ReleaseAsync(MacA, CancellationToken.None));

        Assert.Equal($"dhcp_release cni0 10.0.0.10 {MacA} failed: exit code 1: cannot send", error.Message);
    }

    [Fact]
    public async Task Release_that_dnsmasq_ignores_fails_after_the_wait()
    {
        Dnsmasq(Line(In(TimeSpan.FromHours(1)), MacA, "10.0.0.10"));
        using var mirror = new DnsmasqLeaseMirror(DnsmasqFile, LeasesJson, () => _pool, new FakeRunner(), TimeProvider.System, NullLogger.Instance);

        var error = await Assert.ThrowsAsync<LeaseReleaseException>(() => mirror.ReleaseAsync(MacA, CancellationToken.None));

        Assert.Equal($"dnsmasq still holds the lease of {MacA} (10.0.0.10) 3 s after dhcp_release; is dnsmasq serving cni0?", error.Message);
    }

    [Fact]
    public async Task The_watch_follows_a_change()
    {
        Dnsmasq(Line(In(TimeSpan.FromHours(1)), MacA, "10.0.0.10"));
        using var mirror = new DnsmasqLeaseMirror(DnsmasqFile, LeasesJson, () => _pool, new FakeRunner(), TimeProvider.System, NullLogger.Instance);
        using var stop = new CancellationTokenSource();
        var running = mirror.RunAsync(stop.Token);
        await WaitAsync(() => LeaseFile.Read(LeasesJson).Count == 1, TimeSpan.FromSeconds(5));

        // How fast is measured where timing means something: the anti-spoofing namespace test (dnsmasq lease file to
        // the lease set within 100 ms) and make bench, not in a unit test on a shared machine.
        Dnsmasq(Line(In(TimeSpan.FromHours(1)), MacA, "10.0.0.10"), Line(In(TimeSpan.FromHours(1)), MacB, "10.0.0.11"));
        await WaitAsync(() => LeaseFile.Read(LeasesJson).Count == 2, TimeSpan.FromSeconds(5));
        await stop.CancelAsync();
        await running.WaitAsync(TimeSpan.FromSeconds(5));
    }

    private static async Task WaitAsync(Func<bool> condition, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "timed out");
            await Task.Delay(10);
        }
    }

    private static ulong Inode(string path) => Posix.TryFacts(path, out var facts, out _) ? facts.Inode : 0;
}
