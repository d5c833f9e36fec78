using System.Globalization;
using System.Net;
using System.Text;
using CocoonNet.Node.Linux;

namespace CocoonNet.Node.Dhcp;

/// <summary>One line of dnsmasq's lease file: expiry in Unix seconds (<c>0</c>: never), the MAC as dnsmasq wrote it, the address.</summary>
internal sealed record DnsmasqLease(long Expiry, string Mac, IPAddress Ip)
{
    public bool IsActive(long nowSeconds) => Expiry == 0 || Expiry > nowSeconds;

    /// <summary>When the lease ends; an infinite lease as the latest time leases.json can hold.</summary>
    public DateTimeOffset ExpiresAt => Expiry == 0 ? DateTimeOffset.MaxValue : DateTimeOffset.FromUnixTimeSeconds(Expiry);
}

/// <summary>
/// dnsmasq's lease file: each line <c>expiry mac ip hostname clientid</c>. dnsmasq rewrites it whole after each
/// change, so one read sees one consistent version. Read by the safe-file rules (no link followed, never blocking on a
/// FIFO, size capped): it is read on every scrape, every second by the agent's lease mirror and by status, and whatever sits at that path
/// must not hang or swell the agent.
/// </summary>
internal static class DnsmasqLeaseTable
{
    /// <summary>About 100,000 leases; a larger file is not dnsmasq's.</summary>
    public const long MaxBytes = 8 * 1024 * 1024;

    /// <summary>
    /// The leases in <paramref name="path"/>; a missing file (dnsmasq never started) is no lease. A file that is too
    /// large or not a regular file throws an <see cref="IOException"/> whose message is one line naming it.
    /// </summary>
    public static IReadOnlyList<DnsmasqLease> Read(string path)
    {
        switch (SafeFile.TryRead(path, MaxBytes, out var content))
        {
            case SafeFile.ReadOutcome.Missing:
                return [];
            case SafeFile.ReadOutcome.TooLarge:
                throw new IOException($"{path} is larger than {MaxBytes / (1024 * 1024)} MiB");
        }

        return Parse(Encoding.UTF8.GetString(content));
    }

    /// <summary>The lines that read as leases, in file order.</summary>
    public static IReadOnlyList<DnsmasqLease> Parse(string text)
    {
        var leases = new List<DnsmasqLease>();
        foreach (var line in text.Split('\n'))
        {
            var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            // Skips the "duid ..." line dnsmasq writes for DHCPv6, and anything it cannot read.
            if (fields.Length < 3
                || !long.TryParse(fields[0], NumberStyles.None, CultureInfo.InvariantCulture, out var expiry)
                || !IPAddress.TryParse(fields[2], out var ip))
            {
                continue;
            }

            leases.Add(new DnsmasqLease(expiry, fields[1], ip));
        }

        return leases;
    }
}
