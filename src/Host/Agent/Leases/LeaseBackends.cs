using System.Net;
using CocoonNet.Host.Agent.Telemetry;
using CocoonNet.Node.Leases;
using CocoonNet.Node.State;
using Microsoft.Extensions.DependencyInjection;

namespace CocoonNet.Host.Agent.Leases;

/// <summary>
/// Which backend serves the node's leases now, from pool.json's <c>dhcp</c> as the agent last read it: the dnsmasq
/// mirror, or the embedded server. The embedded server plugs in as keyed services under
/// <see cref="DhcpBackend.Embedded"/>: an <see cref="ILeaseService"/> (e.g. a <see cref="DelegateLeaseService"/> over its
/// <c>Leases()</c> and <c>ReleaseAsync</c>) and an <see cref="IDhcpLeaseStats"/>.
/// </summary>
internal sealed class LeaseBackends(InMemoryNode node, DnsmasqLeaseMirror dnsmasq, IServiceProvider services)
{
    private Pool? _pool;

    private sealed record Pool(PoolState State, IReadOnlySet<IPAddress> Addresses);

    /// <summary>The backend of the node as last read; dnsmasq until pool.json is read (its default).</summary>
    public DhcpBackend Backend => node.State?.DhcpBackend ?? DhcpBackend.Dnsmasq;

    public ILeaseService Leases => Backend == DhcpBackend.Embedded
        ? services.GetKeyedService<ILeaseService>(DhcpBackend.Embedded) ?? NotServing.Instance
        : dnsmasq;

    public IDhcpLeaseStats? Stats => Backend == DhcpBackend.Embedded
        ? services.GetKeyedService<IDhcpLeaseStats>(DhcpBackend.Embedded)
        : dnsmasq;

    /// <summary>The pool the dnsmasq mirror keeps leases.json of: null before pool.json is read, and on an embedded node.</summary>
    public IReadOnlySet<IPAddress>? DnsmasqPool()
    {
        if (node.State is not { } state || state.DhcpBackend != DhcpBackend.Dnsmasq)
        {
            return null;
        }

        // The set is made again only when the agent read a new pool.json.
        if (_pool is not { } pool || !ReferenceEquals(pool.State, state))
        {
            pool = new Pool(state, (state.Ips ?? []).Select(ip => IPAddress.TryParse(ip, out var a) ? a : null).OfType<IPAddress>().ToHashSet());
            _pool = pool;
        }

        return pool.Addresses;
    }

    /// <summary>An embedded node whose server is not registered (yet): every request is a 500 saying so.</summary>
    private sealed class NotServing : ILeaseService
    {
        public static readonly NotServing Instance = new();

        public Task<IReadOnlyList<Lease>> ListAsync(CancellationToken cancellationToken) =>
            throw new LeaseReleaseException("the embedded DHCP server is not running");

        public Task ReleaseAsync(string canonicalMac, CancellationToken cancellationToken) =>
            throw new LeaseReleaseException("the embedded DHCP server is not running");
    }
}
