using System.Net;
using CocoonNet.Host.Agent.Telemetry;
using CocoonNet.Node.Leases;
using CocoonNet.Node.State;

namespace CocoonNet.Host.Agent.Leases;

/// <summary>
/// Which backend serves the node's leases now, from pool.json's <c>dhcp</c> as the agent's last full read published it
/// (<see cref="NodeChanges"/>, never the node held mid-reconcile): the dnsmasq mirror, or the embedded server.
/// </summary>
internal sealed class LeaseBackends(NodeChanges changes, DnsmasqLeaseMirror dnsmasq, EmbeddedDhcpHost embedded)
{
    private Pool? _pool;

    private sealed record Pool(PoolState State, IReadOnlySet<IPAddress> Addresses);

    /// <summary>The backend of the node as last read; dnsmasq until pool.json is read (its default).</summary>
    public DhcpBackend Backend => changes.Current?.State.DhcpBackend ?? DhcpBackend.Dnsmasq;

    public ILeaseService Leases => Backend == DhcpBackend.Embedded ? embedded : dnsmasq;

    public IDhcpLeaseStats Stats => Backend == DhcpBackend.Embedded ? embedded : dnsmasq;

    /// <summary>The pool the dnsmasq mirror keeps leases.json of: null before pool.json is read, and on an embedded node.</summary>
    public IReadOnlySet<IPAddress>? DnsmasqPool()
    {
        if (changes.Current?.State is not { } state || state.DhcpBackend != DhcpBackend.Dnsmasq)
        {
            return null;
        }

        // The set is made again only when the agent read a new pool.json.
        if (_pool is not { } pool || !ReferenceEquals(pool.State, state))
        {
            pool = new Pool(state, state.Ips is { } ips ? ips.Select(IPAddress.Parse).ToHashSet() : []);
            _pool = pool;
        }

        return pool.Addresses;
    }
}
