using System.Globalization;
using System.Net;

namespace CocoonNet.Host.Agent.Telemetry;

/// <summary>
/// Counts active leases in dnsmasq's lease file. Each line is <c>expiry mac ip hostname clientid</c>, expiry in
/// Unix seconds, <c>0</c> for an infinite lease. dnsmasq rewrites the file whole (write and rename), so a scrape
/// reads one consistent version; a missing file (dnsmasq never started) counts as no lease.
/// </summary>
internal sealed class DnsmasqLeaseCounter(string leaseFile, TimeProvider time)
{
    /// <summary>Active leases of <paramref name="pool"/> (all when null); null when the file cannot be read now.</summary>
    public int? CountActive(IReadOnlySet<IPAddress>? pool)
    {
        string[] lines;
        try
        {
            lines = File.ReadAllLines(leaseFile);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return 0;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }

        var now = time.GetUtcNow().ToUnixTimeSeconds();
        var active = new HashSet<IPAddress>();
        foreach (var line in lines)
        {
            var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            // Skips the "duid ..." line dnsmasq writes for DHCPv6, and anything it cannot read.
            if (fields.Length < 3
                || !long.TryParse(fields[0], NumberStyles.None, CultureInfo.InvariantCulture, out var expiry)
                || !IPAddress.TryParse(fields[2], out var ip))
            {
                continue;
            }

            if ((expiry == 0 || expiry > now) && (pool is null || pool.Contains(ip)))
            {
                active.Add(ip);
            }
        }

        return active.Count;
    }
}
