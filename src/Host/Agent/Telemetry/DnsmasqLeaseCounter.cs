using CocoonNet.Node.Dhcp;
using System.Net;
using CocoonNet.Host.Agent.Leases;

namespace CocoonNet.Host.Agent.Telemetry;

/// <summary>
/// Counts active leases in dnsmasq's lease file (<see cref="DnsmasqLeaseTable"/>) at scrape time; a missing file
/// (dnsmasq never started) counts as no lease.
/// </summary>
internal sealed class DnsmasqLeaseCounter(string leaseFile, TimeProvider time)
{
    /// <summary>Active leases of <paramref name="pool"/> (all when null); null, with <paramref name="problem"/> saying why, when the file cannot be read now.</summary>
    public int? CountActive(IReadOnlySet<IPAddress>? pool, out string? problem)
    {
        problem = null;
        IReadOnlyList<DnsmasqLease> leases;
        try
        {
            leases = DnsmasqLeaseTable.Read(leaseFile);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // UnsafeFileException (a link, a FIFO, a directory) is an IOException too.
            problem = e.Message;
            return null;
        }

        var now = time.GetUtcNow().ToUnixTimeSeconds();
        var active = new HashSet<IPAddress>();
        foreach (var lease in leases)
        {
            if (lease.IsActive(now) && (pool is null || pool.Contains(lease.Ip)))
            {
                active.Add(lease.Ip);
            }
        }

        return active.Count;
    }
}
