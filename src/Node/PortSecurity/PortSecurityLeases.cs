using CocoonNet.Node.Dhcp;
using CocoonNet.Node.Leases;
using CocoonNet.Node.Linux;
using CocoonNet.Node.Net;

namespace CocoonNet.Node.PortSecurity;

/// <summary>What the table's <c>leases</c> set must hold, and which ports are cni0's.</summary>
internal static class PortSecurityLeases
{
    /// <summary>
    /// leases.json's rows, which both DHCP backends keep (the embedded server as its journal, the agent's mirror of
    /// dnsmasq's file); on a dnsmasq node whose agent has not written leases.json yet, dnsmasq's own file (pool addresses,
    /// active), so a first setup does not cut off VMs that hold leases already. As <c>mac . ip</c>, sorted.
    /// </summary>
    /// <param name="backend">The node's DHCP backend.</param>
    /// <param name="leaseFile">Its leases.json; null when the node has no state directory (a test's spec).</param>
    /// <param name="ips">The pool: dnsmasq's leases outside it are not ours.</param>
    /// <param name="paths">Where dnsmasq's lease file is.</param>
    /// <param name="now">What counts as expired.</param>
    public static IReadOnlyList<string> Desired(
        DhcpBackend backend, string? leaseFile, IReadOnlyCollection<System.Net.IPAddress> ips, HostPaths paths, DateTimeOffset now)
    {
        IEnumerable<Lease> leases;
        if (leaseFile is { } file && (File.Exists(file) || backend != DhcpBackend.Dnsmasq))
        {
            leases = LeaseFile.Read(file);
        }
        else if (backend == DhcpBackend.Dnsmasq)
        {
            var pool = ips.ToHashSet();
            leases = DnsmasqLeaseTable.Read(paths.DnsmasqLeaseFile)
                .Where(l => pool.Contains(l.Ip) && l.IsActive(now.ToUnixTimeSeconds()) && MacAddress.TryCanonical(l.Mac, out _))
                .Select(l => new Lease(MacAddress.TryCanonical(l.Mac, out var mac) ? mac : l.Mac, l.Ip, l.ExpiresAt));
        }
        else
        {
            leases = [];
        }

        return leases.Where(l => l.Ip.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork)
            .Select(PortSecurityRuleset.Element).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
    }

    /// <summary>The names of cni0's ports now, sorted; none when there is no cni0.</summary>
    public static IReadOnlyList<string> Ports(IKernelNetwork kernel)
    {
        var links = kernel.ListLinks();
        var bridge = links.FirstOrDefault(l => l.Name == Names.Bridge);
        return bridge is null
            ? []
            : links.Where(l => l.MasterIndex == bridge.Index && l.Index != bridge.Index).Select(l => l.Name).Order(StringComparer.Ordinal).ToList();
    }
}
