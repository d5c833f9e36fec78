using System.Globalization;
using System.Net;
using System.Text;
using CocoonNet.Node.Linux;

namespace CocoonNet.Host.Agent.Telemetry;

/// <summary>
/// Counts active leases in dnsmasq's lease file. Each line is <c>expiry mac ip hostname clientid</c>, expiry in
/// Unix seconds, <c>0</c> for an infinite lease. dnsmasq rewrites the file whole (write and rename), so a scrape
/// reads one consistent version; a missing file (dnsmasq never started) counts as no lease. Read by the safe-file
/// rules (no link followed, never blocking on a FIFO, size capped): it is read on every scrape, and whatever sits
/// at that path must not hang or swell the endpoints.
/// </summary>
internal sealed class DnsmasqLeaseCounter(string leaseFile, TimeProvider time)
{
    /// <summary>About 100,000 leases; a larger file is not dnsmasq's.</summary>
    public const long MaxBytes = 8 * 1024 * 1024;

    /// <summary>Active leases of <paramref name="pool"/> (all when null); null, with <paramref name="problem"/> saying why, when the file cannot be read now.</summary>
    public int? CountActive(IReadOnlySet<IPAddress>? pool, out string? problem)
    {
        problem = null;
        byte[] content;
        try
        {
            switch (SafeFile.TryRead(leaseFile, MaxBytes, out content))
            {
                case SafeFile.ReadOutcome.Missing:
                    return 0;
                case SafeFile.ReadOutcome.TooLarge:
                    problem = $"{leaseFile} is larger than {MaxBytes / (1024 * 1024)} MiB";
                    return null;
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // UnsafeFileException (a link, a FIFO, a directory) is an IOException too.
            problem = e.Message;
            return null;
        }

        var now = time.GetUtcNow().ToUnixTimeSeconds();
        var active = new HashSet<IPAddress>();
        foreach (var line in Encoding.UTF8.GetString(content).Split('\n'))
        {
            var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
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
