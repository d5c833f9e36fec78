using System.Net;
using CocoonNet.Abstractions;
using CocoonNet.Node.Linux;
using CocoonNet.Node.Net;
using CocoonNet.Node.Pipeline;
using CocoonNet.Node.State;

namespace CocoonNet.Node.Engine;

/// <summary>
/// The host a node state asks for: the state itself, the steps' <see cref="HostSpec"/> and the backend's
/// <see cref="HostContext"/>, parsed once from pool.json's strings (<see cref="Of"/> is the only place that does).
/// A loaded state passed <see cref="PoolStateRules"/>, so every string parses.
/// </summary>
internal sealed record NodeTarget
{
    private NodeTarget(PoolState state, HostSpec spec, HostContext context)
    {
        State = state;
        Spec = spec;
        Context = context;
    }

    /// <summary>The node state the target was made from (its footprint is the checkpoint owner's business).</summary>
    public PoolState State { get; }

    public HostSpec Spec { get; init; }

    public HostContext Context { get; }

    /// <summary>
    /// What the backend keeps on the host itself (NICs it keeps up, local routes it owns), once asked; null until
    /// then. An apply asks again whenever the backend's preparation runs.
    /// </summary>
    public HostWatch? Watch { get; private init; }

    /// <summary>
    /// The target of <paramref name="state"/> (kept in <paramref name="stateDirectory"/>, where the embedded server's
    /// leases.json lives too), dnsmasq-cni run as <paramref name="serviceMode"/> says. A missing gateway (older files) is
    /// the subnet's first host.
    /// </summary>
    public static NodeTarget Of(PoolState state, DhcpServiceMode serviceMode, string stateDirectory)
    {
        var subnet = IPNetwork.Parse(state.Subnet);
        var gateway = IPAddress.TryParse(state.Gateway, out var g) ? g : Ipv4.FirstHost(subnet);
        var primaryNic = state.PrimaryNic ?? "";
        var spec = new HostSpec(
            subnet,
            gateway,
            (state.Ips ?? []).Select(IPAddress.Parse).ToList(),
            primaryNic,
            state.SecondaryNics ?? [],
            (state.DnsServers ?? []).Select(IPAddress.Parse).ToList(),
            state.ManageIptables,
            serviceMode)
        {
            Backend = state.DhcpBackend,
            LeaseTime = state.LeaseTime,
            LeaseFile = Leases.LeaseFile.PathIn(stateDirectory),
            VmIsolation = state.IsolatesVms,
            AntiSpoofing = state.ChecksSpoofing,
            DropInternalAccess = state.DropInternalAccess ?? false,
            DropCidrs = (state.DropCidrs ?? []).Select(IPNetwork.Parse).ToList(),
            MtuOverride = state.Mtu,
        };
        var context = new HostContext
        {
            NodeName = state.NodeName,
            Subnet = subnet,
            PrimaryNic = primaryNic,
            Resources = StateResources.Of(state),
            Adopted = state.Mode != PoolState.ModeInit,
        };
        return new NodeTarget(state, spec, context);
    }

    /// <summary>This target with the effective MTU (<see cref="EffectiveMtu"/>) read from the live node.</summary>
    public NodeTarget WithMtu(IKernelNetwork kernel) =>
        this with { Spec = Spec with { Mtu = EffectiveMtu.Of(Spec.MtuOverride, Spec.PrimaryNic, kernel.ListLinks()) } };

    /// <summary>This target with what the backend keeps: its own local routes are not the routes step's to remove.</summary>
    public NodeTarget WithWatch(HostWatch watch) => this with { Watch = watch, Spec = Spec with { KeptLocalRoutes = watch.OwnedLocalRoutes } };
}
