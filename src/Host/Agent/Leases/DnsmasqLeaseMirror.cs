using CocoonNet.Node.Dhcp;
using System.Net;
using CocoonNet.Host.Agent.Telemetry;
using CocoonNet.Node.Leases;
using CocoonNet.Node.Linux;
using CocoonNet.Node.Net;
using Microsoft.Extensions.Logging;

namespace CocoonNet.Host.Agent.Leases;

/// <summary>
/// Keeps leases.json (what vk-cocoon reads) in step with dnsmasq's lease file, and releases leases through
/// <c>dhcp_release</c>. Only pool addresses are mirrored; leases.json is written only when its content changes.
/// <para>
/// The agent watches the file (inotify on the directory, plus a 1 s stat poll because dnsmasq rewrites the file in
/// place and an event can be missed) rather than dnsmasq running a <c>dhcp-script</c>: one long-lived process instead
/// of a .NET start per lease event, and the control socket needs the agent anyway. The cost: without a running agent
/// leases.json is not updated in dnsmasq mode (status reports an agent that is not running).
/// </para>
/// <para>
/// Grants are counted for <c>cocoon_net_dhcp_lease_total{result="ok"}</c> from the file's changes: a new lease, or a
/// lease whose expiry moved forward (a renewal), is one. <c>failed</c> is never counted here: dnsmasq's lease file
/// shows only what was granted, never a refused request. The leases found at the first read are the baseline, not
/// grants, so a restart of the agent does not count them again.
/// </para>
/// </summary>
internal sealed class DnsmasqLeaseMirror(
    string dnsmasqLeaseFile,
    string leaseFile,
    Func<IReadOnlySet<IPAddress>?> pool,
    IProcessRunner runner,
    TimeProvider time,
    ILogger logger) : ILeaseService, IDhcpLeaseStats, IDisposable
{
    public const string ReleaseProgram = "dhcp_release";

    /// <summary>The backstop poll; also how stale leases.json may be when an event was missed.</summary>
    public static readonly TimeSpan PollInterval = TimeSpan.FromSeconds(1);

    /// <summary>How long a release waits for dnsmasq to drop the lease from its file.</summary>
    public static readonly TimeSpan ReleaseWait = TimeSpan.FromSeconds(3);

    private static readonly TimeSpan ReleasePoll = TimeSpan.FromMilliseconds(50);

    // dnsmasq truncates then writes: an event can come between the two, so a read waits this long after one.
    private static readonly TimeSpan Settle = TimeSpan.FromMilliseconds(20);

    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly SemaphoreSlim _changed = new(0, 1);
    // Highest expiry seen per lease (MAC and address), kept after a lease leaves the file until it would have
    // expired: a lease that vanishes from one read (a file caught mid-rewrite) and comes back is not a new grant.
    private readonly Dictionary<(string Mac, IPAddress Ip), long> _seen = [];
    private bool _baselined;
    private byte[]? _written;
    private byte[]? _told;
    private long _ok;
    private volatile Counts _counts = new(0, 0);
    private string? _problem;

    private sealed record Counts(int Active, int Available);

    /// <summary>
    /// Told leases.json's rows whenever they differ from the last ones it took without throwing (port security's lease
    /// set), right after the read that found them: an inotify event, 20 ms of settling, then this.
    /// </summary>
    public Func<IReadOnlyList<Lease>, CancellationToken, Task> LeasesChanged { get; init; } = (_, _) => Task.CompletedTask;

    public long Ok => Interlocked.Read(ref _ok);

    public long Failed => 0;

    public int Active => _counts.Active;

    public int Available => _counts.Available;

    /// <summary>Follows dnsmasq's file until <paramref name="cancellationToken"/> is cancelled.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        FileSystemWatcher? watcher = null;
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                watcher ??= Watch();
                try
                {
                    await RefreshAsync(cancellationToken).ConfigureAwait(false);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    // Whatever one read met, the mirror goes on (and the agent with it): the next second retries.
                    logger.MirrorFailing(e.Message);
                }

                if (await _changed.WaitAsync(PollInterval, cancellationToken).ConfigureAwait(false))
                {
                    await Task.Delay(Settle, cancellationToken).ConfigureAwait(false);
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        finally
        {
            watcher?.Dispose();
        }
    }

    /// <summary>Reads dnsmasq's file once: counts grants, updates the gauges, writes leases.json if it changed.</summary>
    public async Task RefreshAsync(CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (pool() is not { } addresses)
            {
                return; // no node yet, or not a dnsmasq node: nothing of ours to mirror
            }

            try
            {
                var table = DnsmasqLeaseTable.Read(dnsmasqLeaseFile);
                Interlocked.Add(ref _ok, Observe(table, addresses));
                var rows = Mirrored(table, addresses);
                // Port security first: leases.json's durable write (fsync) must not delay a VM's first packets.
                await TellAsync(rows, cancellationToken).ConfigureAwait(false);
                WriteIfChanged(rows);
                if (_problem is not null)
                {
                    logger.MirrorRecovered();
                    _problem = null;
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Once per distinct problem, not every second.
                if (e.Message != _problem)
                {
                    logger.MirrorFailing(e.Message);
                }

                _problem = e.Message;
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    public Task<IReadOnlyList<Lease>> ListAsync(CancellationToken cancellationToken) =>
        Task.FromResult(LeaseFile.Read(leaseFile));

    public async Task ReleaseAsync(string canonicalMac, CancellationToken cancellationToken)
    {
        var held = Held(canonicalMac);
        foreach (var lease in held)
        {
            ProcessResult result;
            try
            {
                result = await runner.RunAsync(ReleaseProgram, [Names.Bridge, lease.Ip.ToString(), canonicalMac], null, cancellationToken)
                    .ConfigureAwait(false);
            }
            catch (InvalidOperationException e)
            {
                // ProcessRunner's "cannot run": the program is not there.
                throw new LeaseReleaseException($"{ReleaseProgram} (package dnsmasq-utils) is not installed", e);
            }

            if (result.ExitCode != 0)
            {
                throw new LeaseReleaseException($"{ReleaseProgram} {Names.Bridge} {lease.Ip} {canonicalMac} failed: {result.Describe()}");
            }
        }

        if (held.Count > 0)
        {
            await WaitUntilGoneAsync(canonicalMac, held, cancellationToken).ConfigureAwait(false);
        }

        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            foreach (var lease in held)
            {
                _seen.Remove((canonicalMac, lease.Ip));
            }

            Forget(canonicalMac);
        }
        finally
        {
            _gate.Release();
        }

        // The mirror then agrees with dnsmasq (the lease is gone from both).
        await RefreshAsync(cancellationToken).ConfigureAwait(false);
        if (logger.IsEnabled(LogLevel.Information))
        {
            foreach (var lease in held)
            {
                logger.Released(canonicalMac, lease.Ip.ToString());
            }
        }
    }

    public void Dispose()
    {
        _gate.Dispose();
        _changed.Dispose();
    }

    /// <summary>
    /// Grants in <paramref name="table"/> not seen before: a new lease, or a later expiry of a known one. The first
    /// call only records the baseline.
    /// </summary>
    internal int Observe(IReadOnlyList<DnsmasqLease> table, IReadOnlySet<IPAddress> addresses)
    {
        var grants = 0;
        foreach (var lease in table)
        {
            if (!addresses.Contains(lease.Ip) || !MacAddress.TryCanonical(lease.Mac, out var mac))
            {
                continue;
            }

            var expiry = lease.Expiry == 0 ? long.MaxValue : lease.Expiry;
            var key = (mac, lease.Ip);
            if (!_seen.TryGetValue(key, out var before) || expiry > before)
            {
                _seen[key] = expiry;
                grants++;
            }
        }

        var now = time.GetUtcNow().ToUnixTimeSeconds();
        foreach (var gone in _seen.Where(s => s.Value <= now).Select(s => s.Key).ToList())
        {
            _seen.Remove(gone);
        }

        var active = table.Where(l => addresses.Contains(l.Ip) && l.IsActive(now)).Select(l => l.Ip).Distinct().Count();
        _counts = new Counts(active, Math.Max(0, addresses.Count - active));
        if (!_baselined)
        {
            _baselined = true;
            return 0;
        }

        return grants;
    }

    /// <summary>leases.json's rows for <paramref name="table"/>: pool addresses with a readable MAC, by address.</summary>
    internal static IReadOnlyList<Lease> Mirrored(IReadOnlyList<DnsmasqLease> table, IReadOnlySet<IPAddress> addresses)
    {
        var rows = new List<Lease>();
        foreach (var lease in table)
        {
            if (addresses.Contains(lease.Ip) && MacAddress.TryCanonical(lease.Mac, out var mac))
            {
                rows.Add(new Lease(mac, lease.Ip, lease.ExpiresAt));
            }
        }

        // A stable order: dnsmasq's own may change between rewrites, which would rewrite leases.json for nothing.
        rows.Sort((a, b) => CompareAddresses(a.Ip, b.Ip) is var c and not 0 ? c : string.CompareOrdinal(a.Mac, b.Mac));
        return rows;
    }

    private static int CompareAddresses(IPAddress a, IPAddress b) =>
        a.GetAddressBytes().AsSpan().SequenceCompareTo(b.GetAddressBytes());

    private async Task TellAsync(IReadOnlyList<Lease> rows, CancellationToken cancellationToken)
    {
        var content = LeaseFile.Render(rows);
        if (_told is not null && content.AsSpan().SequenceEqual(_told))
        {
            return;
        }

        try
        {
            await LeasesChanged(rows, cancellationToken).ConfigureAwait(false);
            _told = content;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // Told again at the next read (at the latest the 1 s poll's).
            logger.MirrorFailing(e.Message);
        }
    }

    private void WriteIfChanged(IReadOnlyList<Lease> rows)
    {
        var content = LeaseFile.Render(rows);
        _written ??= SafeFile.TryRead(leaseFile, LeaseFile.MaxBytes, out var current) == SafeFile.ReadOutcome.Read ? current : null;
        if (_written is not null && content.AsSpan().SequenceEqual(_written))
        {
            return;
        }

        LeaseFile.Write(leaseFile, rows);
        _written = content;
        logger.LeasesWritten(rows.Count);
    }

    /// <summary>Drops <paramref name="mac"/> from leases.json, whatever the pool (also when it is not known yet).</summary>
    private void Forget(string mac)
    {
        var rows = LeaseFile.Read(leaseFile);
        if (rows.Any(r => r.Mac == mac))
        {
            var kept = rows.Where(r => r.Mac != mac).ToList();
            LeaseFile.Write(leaseFile, kept);
            _written = LeaseFile.Render(kept);
        }
    }

    private List<DnsmasqLease> Held(string mac)
    {
        try
        {
            return [.. DnsmasqLeaseTable.Read(dnsmasqLeaseFile).Where(l => MacAddress.TryCanonical(l.Mac, out var m) && m == mac)];
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new LeaseReleaseException($"cannot read dnsmasq's leases: {e.Message}", e);
        }
    }

    private async Task WaitUntilGoneAsync(string mac, List<DnsmasqLease> held, CancellationToken cancellationToken)
    {
        var deadline = time.GetUtcNow() + ReleaseWait;
        while (Held(mac).Count > 0)
        {
            if (time.GetUtcNow() >= deadline)
            {
                throw new LeaseReleaseException(
                    $"dnsmasq still holds the lease of {mac} ({string.Join(", ", held.Select(l => l.Ip))}) {ReleaseWait.TotalSeconds:0} s after {ReleaseProgram}; is dnsmasq serving {Names.Bridge}?");
            }

            await Task.Delay(ReleasePoll, time, cancellationToken).ConfigureAwait(false);
        }
    }

    private FileSystemWatcher? Watch()
    {
        var directory = Path.GetDirectoryName(dnsmasqLeaseFile) ?? "/";
        try
        {
            var watcher = new FileSystemWatcher(directory, Path.GetFileName(dnsmasqLeaseFile))
            {
                NotifyFilter = NotifyFilters.FileName | NotifyFilters.LastWrite | NotifyFilters.Size,
            };
            watcher.Changed += (_, _) => Signal();
            watcher.Created += (_, _) => Signal();
            watcher.Renamed += (_, _) => Signal();
            watcher.EnableRaisingEvents = true;
            return watcher;
        }
        catch (Exception e) when (e is ArgumentException or IOException or UnauthorizedAccessException)
        {
            // The directory is not there yet (dnsmasq never ran): the poll still reads, and the next turn tries again.
            logger.WatchUnavailable(directory, e.Message);
            return null;
        }
    }

    private void Signal()
    {
        try
        {
            _changed.Release();
        }
        catch (SemaphoreFullException)
        {
            // A read is already due: one is enough for any number of events.
        }
    }
}
