using CocoonNet.Node.Dhcp.Embedded;
using CocoonNet.Node.Engine;
using CocoonNet.Node.Leases;
using CocoonNet.Node.Linux;
using CocoonNet.Node.Linux.Netlink;
using CocoonNet.Node.Pipeline;
using CocoonNet.Node.State;
using Microsoft.Extensions.Logging;

namespace CocoonNet.Host.Agent.Leases;

/// <summary>
/// The agent's embedded DHCP server, run when pool.json says <c>dhcp: embedded</c>: settings from the node target
/// (server = gateway, pool = ips, DNS, lease time), leases.json in the state directory as its journal, per-lease /32
/// routes on cni0, each grant admitted by port security before its ACK. <see cref="Core"/> is what the control socket (list, release) and the metrics read.
/// </summary>
internal sealed class EmbeddedDhcp : IDisposable
{
    private readonly NetlinkKernelNetwork? ownedKernel;
    private readonly EmbeddedDhcpServer server;

    // serving: told null once the server listens on cni0, and why not while it cannot (the agent's readiness).
    public EmbeddedDhcp(
        NodeTarget target, string stateDirectory, TimeProvider time, ILoggerFactory loggers, Action<string?> serving, IKernelNetwork? kernel = null,
        ILeaseAdmission? admission = null)
    {
        if (kernel is null)
        {
            // Its own netlink socket: the server's route changes never wait on (or interleave with) a reconcile's.
            ownedKernel = new NetlinkKernelNetwork();
            kernel = ownedKernel;
        }

        var logger = loggers.CreateLogger<EmbeddedDhcp>();
        JournalPath = LeaseFile.PathIn(stateDirectory);
        Core = new DhcpServerCore(
            SettingsOf(target.Spec), new KernelLeaseRoutes(kernel, HostSpec.Bridge), new LeaseFileJournal(JournalPath, save => CrashPoints.Around(LeaseFileJournal.CrashPoint, save)), time, logger)
        {
            Admission = admission ?? ILeaseAdmission.None,
        };
        server = new EmbeddedDhcpServer(Core, HostSpec.Bridge, time, logger) { Serving = serving };
    }

    public DhcpServerCore Core { get; }

    public string JournalPath { get; }

    /// <summary>Whether the node's pool.json picks the embedded server over dnsmasq.</summary>
    public static bool IsSelected(PoolState state) => state.DhcpBackend == DhcpBackend.Embedded;

    /// <summary>Whether two targets ask the server for the same service (a resync re-reads an unchanged pool.json every minute).</summary>
    public static bool SameService(NodeTarget a, NodeTarget b) =>
        a.Spec.Gateway.Equals(b.Spec.Gateway) && a.Spec.Subnet.Equals(b.Spec.Subnet) && a.Spec.LeaseTime == b.Spec.LeaseTime
        && a.Spec.Ips.SequenceEqual(b.Spec.Ips) && a.Spec.Dns.SequenceEqual(b.Spec.Dns) && a.Spec.Mtu == b.Spec.Mtu;

    public static DhcpServerSettings SettingsOf(HostSpec spec) =>
        new(spec.Gateway, spec.Subnet, spec.Ips, spec.Dns, spec.LeaseTime) { Mtu = spec.Mtu };

    /// <summary>Restores the journal's leases and their routes, then serves until cancelled.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        await Core.StartAsync(cancellationToken).ConfigureAwait(false);
        await server.RunAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>A reconcile applied a new target (pool, DNS, lease time): leases outside the new pool end.</summary>
    public Task ReconfigureAsync(NodeTarget target, CancellationToken cancellationToken) =>
        Core.ReconfigureAsync(SettingsOf(target.Spec), cancellationToken);

    public void Dispose()
    {
        Core.Dispose();
        ownedKernel?.Dispose();
    }
}
