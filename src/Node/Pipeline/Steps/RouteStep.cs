using System.Net;
using CocoonNet.Node.Linux;
using CocoonNet.Node.Net;
using CocoonNet.Node.Text;
using CocoonNet.Node.State;

namespace CocoonNet.Node.Pipeline.Steps;

/// <summary>
/// One <c>/32</c> route per pool IP via cni0 (with the embedded DHCP backend: per pool IP leased in leases.json, as
/// upstream's newest server routes only what it leased), marked with cocoon-net's routing protocol id so re-runs
/// remove only stale routes of its own. Programmed in one netlink batch. Also removes, on every run, any
/// route in table <c>local</c> inside the VM subnet on a device other than cni0: the kernel would take those
/// addresses for the node's own and never forward to the VMs (GKE's newer guest agent adds one, protocol 66,
/// for the alias range, and may add it again at any time). Such routes are not cocoon-net's: nothing to undo.
/// Loopback's routes and the ones the kernel made for an address are never among them (see <see cref="ForeignLocalRoutes"/>).
/// </summary>
internal sealed class RouteStep(IKernelNetwork kernel, TimeProvider? time = null) : IHostStep
{
    private readonly TimeProvider _time = time ?? TimeProvider.System;

    public HostStepId Id => HostStepId.Routes;

    public Task<StepPlan> PlanSetupAsync(HostSpec spec, HostFootprint footprint, CancellationToken cancellationToken)
    {
        var plan = new StepPlan(Id);
        var bridgeIndex = kernel.ListLinks().FirstOrDefault(l => l.Name == HostSpec.Bridge)?.Index ?? 0;
        var live = kernel.ListRoutes(RouteConstants.TableMain).Where(r => r.PrefixLength == 32).ToList();
        var routed = Routed(spec, live, out var note);
        if (note is not null)
        {
            plan.Notes.Add(note);
        }

        var desired = routed.ToHashSet();
        var inPlace = live
            .Where(r => bridgeIndex != 0 && IsOurs(r) && r.OutputIndex == bridgeIndex && r.Scope == RouteConstants.ScopeLink
                        && r.Type == RouteConstants.TypeUnicast && r.Gateway is null)
            .Select(r => r.Destination)
            .ToHashSet();
        var foreign = live.Where(r => !IsOurs(r) && desired.Contains(r.Destination)).Select(r => r.Destination).ToHashSet();
        var missing = routed.Where(ip => !inPlace.Contains(ip)).ToList();
        var stale = live.Where(r => IsOurs(r) && !desired.Contains(r.Destination)).ToList();

        var added = missing.Where(ip => !foreign.Contains(ip)).ToList();
        var replaced = missing.Where(foreign.Contains).ToList();
        // Additions and take-overs are one netlink batch; routes carry the protocol id, so the kernel itself
        // records their ownership: no claim in the footprint is needed.
        var lines = new List<string>();
        if (added.Count > 0)
        {
            lines.Add($"+ add {Plural.Of(added.Count, "/32 route")} via {HostSpec.Bridge}: {Ipv4.DescribeRuns(added)}");
        }

        if (replaced.Count > 0)
        {
            lines.Add($"~ take over {Plural.Of(replaced.Count, "existing /32 route")} to pool IPs: {Ipv4.DescribeRuns(replaced)}");
        }

        if (lines.Count > 0)
        {
            plan.Add(lines, null, (_, _) =>
            {
                var index = kernel.ListLinks().First(l => l.Name == HostSpec.Bridge).Index;
                kernel.ReplaceRoutes(missing.Select(ip => Route(ip, index)).ToList());
                return Task.CompletedTask;
            });
        }

        if (stale.Count > 0)
        {
            plan.Add($"- remove {Plural.Of(stale.Count, "stale /32 route")}: {Ipv4.DescribeRuns(stale.Select(r => r.Destination))}", null,
                _ => kernel.DeleteRoutes(stale));
        }

        // In the newer google-guest-agent a core plugin applies routes and reads its configuration only at start
        // (cmd/core_plugin/core_plugin.go), so the proto-66 local route for the VM range can come back and silently
        // black-hole VM traffic: every run removes it, whoever added it.
        PlanForeignLocalRoutes(plan, spec, bridgeIndex);
        return Task.FromResult(plan);
    }

    /// <summary>
    /// The pool IPs that get a route, in pool order: all of them with dnsmasq; with the embedded server those with an
    /// active lease. A lease file that cannot be read changes nothing: the routes of ours already there stay, none is
    /// added, and <paramref name="note"/> says why (the agent's server keeps its own routes meanwhile).
    /// </summary>
    private IReadOnlyList<IPAddress> Routed(HostSpec spec, IReadOnlyList<RouteInfo> live, out string? note)
    {
        note = null;
        if (spec.Backend != Leases.DhcpBackend.Embedded)
        {
            return spec.Ips;
        }

        HashSet<IPAddress> leased;
        try
        {
            var now = _time.GetUtcNow();
            leased = spec.LeaseFile is null
                ? []
                : Leases.LeaseFile.Read(spec.LeaseFile).Where(l => l.IsActive(now)).Select(l => l.Ip).ToHashSet();
        }
        catch (IOException e)
        {
            note = $"keeping the /32 routes in place, adding none: {e.Message}";
            leased = live.Where(IsOurs).Select(r => r.Destination).ToHashSet();
        }

        return spec.Ips.Where(leased.Contains).ToList();
    }

    /// <summary>
    /// Local-table routes inside <paramref name="subnet"/> on a device other than the bridge that another program added
    /// (the sweep's and the drift watch's one predicate). Never loopback's, nor one the kernel made for an address:
    /// those are the node's own, and a subnet that reaches them (a bad pool.json, a node whose addresses changed) must
    /// not take them away.
    /// </summary>
    public static IEnumerable<RouteInfo> ForeignLocalRoutes(IEnumerable<RouteInfo> localTable, IPNetwork subnet, int bridgeIndex) =>
        localTable.Where(r => r.Table == RouteConstants.TableLocal
                              && r.OutputIndex != bridgeIndex
                              && r.OutputIndex != RouteConstants.LoopbackIndex
                              && r.Protocol != RouteConstants.ProtocolKernel
                              && r.PrefixLength >= subnet.PrefixLength
                              && subnet.Contains(r.Destination));

    private void PlanForeignLocalRoutes(StepPlan plan, HostSpec spec, int bridgeIndex)
    {
        var names = kernel.ListLinks().ToDictionary(l => l.Index, l => l.Name);
        var kept = spec.KeptLocalRoutes.ToHashSet();
        foreach (var route in ForeignLocalRoutes(kernel.ListRoutes(RouteConstants.TableLocal), spec.Subnet, bridgeIndex)
                     .Where(r => !kept.Contains(new IPNetwork(r.Destination, r.PrefixLength))))
        {
            var device = names.TryGetValue(route.OutputIndex, out var name) ? name : $"link {route.OutputIndex}";
            plan.Add(
                $"- delete local route {route.Destination}/{route.PrefixLength} on {device} (a local route for the VM range on another device black-holes VM traffic)",
                null,
                _ => kernel.DeleteRoutes([route]));
        }
    }

    public Task<StepPlan> PlanTeardownAsync(HostSpec spec, HostFootprint footprint, CancellationToken cancellationToken)
    {
        var plan = new StepPlan(Id);
        var ours = kernel.ListRoutes(RouteConstants.TableMain).Where(IsOurs).ToList();
        if (ours.Count > 0)
        {
            plan.Add($"- remove {Plural.Of(ours.Count, "/32 route")}: {Ipv4.DescribeRuns(ours.Select(r => r.Destination))}", null,
                _ => kernel.DeleteRoutes(ours));
        }

        return Task.FromResult(plan);
    }

    private static bool IsOurs(RouteInfo route) => route.Protocol == RouteConstants.ProtocolCocoonNet;

    private static RouteInfo Route(IPAddress ip, int bridgeIndex) => new(
        ip, 32, bridgeIndex, RouteConstants.TableMain, RouteConstants.ProtocolCocoonNet, RouteConstants.ScopeLink, RouteConstants.TypeUnicast);
}
