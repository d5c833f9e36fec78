using System.Net;
using CocoonNet.Node.Linux;
using CocoonNet.Node.Net;
using CocoonNet.Node.State;

namespace CocoonNet.Node.Pipeline.Steps;

/// <summary>
/// The <c>cni0</c> bridge: exists, is a bridge, holds gateway/prefix, has the effective MTU, is up, and each VM port
/// on it carries BR_ISOLATED as <c>--vm-isolation</c> says (ports plugged before the setting changed included: the
/// CNI plugin only decides for the ports it plugs, and Debian's plugin ignores <c>portIsolation</c>).
/// </summary>
internal sealed class BridgeStep(IKernelNetwork kernel) : IHostStep
{
    private const int NewBridgeMtu = 1500;

    public HostStepId Id => HostStepId.Bridge;

    public Task<StepPlan> PlanSetupAsync(HostSpec spec, HostFootprint footprint, CancellationToken cancellationToken)
    {
        var plan = new StepPlan(Id);
        var desired = $"{spec.Gateway}/{spec.Subnet.PrefixLength}";
        var link = kernel.ListLinks().FirstOrDefault(l => l.Name == HostSpec.Bridge);
        if (link is not null && link.Kind != "bridge")
        {
            throw new InvalidOperationException(
                $"{HostSpec.Bridge} exists but is a {(link.Kind.Length > 0 ? link.Kind : "physical")} link, not a bridge; remove it or rename it first");
        }

        var addresses = link is null ? [] : kernel.ListAddresses().Where(a => a.Index == link.Index).ToList();
        var hasDesired = addresses.Any(a => a.Address.Equals(spec.Gateway) && a.PrefixLength == spec.Subnet.PrefixLength);
        var stale = addresses
            .Where(a => footprint.BridgeAddress == $"{a.Address}/{a.PrefixLength}" && footprint.BridgeAddress != desired)
            .ToList();

        // The bridge's index is looked up when each change runs: it exists only once the first one ran.
        int Index() => link?.Index ?? kernel.ListLinks().First(l => l.Name == HostSpec.Bridge).Index;
        if (link is null)
        {
            plan.Add($"+ create bridge {HostSpec.Bridge}", fp => fp.BridgeCreated = true, _ =>
            {
                // A claim from a run killed right after creating it finds the bridge already there.
                if (!kernel.ListLinks().Any(l => l.Name == HostSpec.Bridge))
                {
                    kernel.CreateBridge(HostSpec.Bridge);
                }
            });
        }

        foreach (var old in stale)
        {
            plan.Add($"- remove address {old.Address}/{old.PrefixLength} from {HostSpec.Bridge} (previous gateway)", null,
                fp => kernel.DeleteAddress(Index(), old.Address, old.PrefixLength));
        }

        if (!hasDesired)
        {
            plan.Add($"+ add address {desired} to {HostSpec.Bridge}", fp => fp.BridgeAddress = desired,
                _ => kernel.AddAddress(Index(), spec.Gateway, spec.Subnet.PrefixLength));
        }

        PlanFixedAddress(plan, link);
        PlanMtu(plan, spec, footprint, link, Index);
        if (link is null || !link.IsUp)
        {
            plan.Add($"~ set {HostSpec.Bridge} up", null, _ => kernel.SetLinkUp(Index()));
        }

        if (link is not null)
        {
            PlanIsolation(plan, Ports(link), spec.VmIsolation);
        }

        return Task.FromResult(plan);
    }

    public Task<StepPlan> PlanTeardownAsync(HostSpec spec, HostFootprint footprint, CancellationToken cancellationToken)
    {
        var plan = new StepPlan(Id);
        var link = kernel.ListLinks().FirstOrDefault(l => l.Name == HostSpec.Bridge);
        if (link is null)
        {
            // Owned but gone (e.g. a teardown killed before it saved the removal): nothing to do.
            footprint.BridgeCreated = false;
            footprint.BridgeAddress = null;
            return Task.FromResult(plan);
        }

        var portLinks = Ports(link);
        var ports = portLinks.Select(l => l.Name).ToList();
        var ours = footprint.BridgeAddress is { } recorded && TryParseAddress(recorded, out var address, out var prefix)
            && kernel.ListAddresses().Any(a => a.Index == link.Index && a.Address.Equals(address) && a.PrefixLength == prefix)
            ? (address, prefix)
            : default((IPAddress, int)?);

        if (footprint.BridgeCreated && ports.Count == 0)
        {
            plan.Add($"- delete bridge {HostSpec.Bridge}", null, fp =>
            {
                kernel.DeleteLink(link.Index);
                fp.BridgeCreated = false;
                fp.BridgeAddress = null;
                fp.BridgeOriginalMtu = null;
            });
            return Task.FromResult(plan);
        }

        // The bridge stays: its ports go back to forwarding to each other, as before cocoon-net.
        PlanIsolation(plan, portLinks, isolated: false);
        if (footprint.BridgeOriginalMtu is { } original)
        {
            if (link.Mtu == original)
            {
                footprint.BridgeOriginalMtu = null;
            }
            else
            {
                plan.Add($"~ set {HostSpec.Bridge} mtu {link.Mtu} -> {original} (as found)", null, fp =>
                {
                    kernel.SetLinkMtu(link.Index, original);
                    fp.BridgeOriginalMtu = null;
                });
            }
        }

        if (footprint.BridgeCreated)
        {
            plan.Notes.Add($"keeping bridge {HostSpec.Bridge}: VM ports still attached ({string.Join(", ", ports)})");
        }

        if (ours is { } a)
        {
            plan.Add($"- remove address {a.Item1}/{a.Item2} from {HostSpec.Bridge}", null, fp =>
            {
                kernel.DeleteAddress(link.Index, a.Item1, a.Item2);
                fp.BridgeAddress = null;
            });
        }

        return Task.FromResult(plan);
    }

    /// <summary>
    /// cni0's MAC address, which is the VMs' gateway's, set explicitly: a bridge whose address was never set takes the
    /// lowest MAC among its ports, so a VM with a lower MAC joining or leaving would change the gateway's MAC under every
    /// other VM, which would lose its gateway until its ARP entry is renewed (seconds). Set to the address it has now,
    /// so nothing that already knows it changes. A bridge created in this run is fixed right after its creation.
    /// </summary>
    private void PlanFixedAddress(StepPlan plan, LinkInfo? link)
    {
        if (link is null)
        {
            plan.Add($"~ fix {HostSpec.Bridge}'s MAC address", null, _ =>
            {
                var created = kernel.ListLinks().First(l => l.Name == HostSpec.Bridge);
                kernel.SetLinkAddress(created.Index, created.Mac);
            });
        }
        else if (kernel.HasFixedAddress(link.Name) == false && link.Mac.Length > 0)
        {
            plan.Add($"~ fix {HostSpec.Bridge}'s MAC address at {link.Mac}", null,
                _ => kernel.SetLinkAddress(link.Index, link.Mac));
        }
    }

    /// <summary>
    /// cni0 takes the effective MTU. A bridge whose MTU is set by hand keeps it while ports come and go (the kernel
    /// stops following its ports' smallest MTU), and an MTU above a port's is fine for the kernel: a port forwards
    /// what fits, and VMs send no more than the MTU DHCP gives them.
    /// </summary>
    private void PlanMtu(StepPlan plan, HostSpec spec, HostFootprint footprint, LinkInfo? link, Func<int> index)
    {
        // A bridge about to be created starts at Ethernet's 1500 (the kernel's default for a bridge without ports).
        var current = link?.Mtu ?? NewBridgeMtu;
        if (spec.Mtu is not { } mtu || current == mtu)
        {
            return;
        }

        // A bridge found here gets its MTU back at teardown; one cocoon-net creates goes with its MTU.
        var original = link is not null && !footprint.BridgeCreated && footprint.BridgeOriginalMtu is null ? link.Mtu : (int?)null;
        plan.Add(
            $"~ set {HostSpec.Bridge} mtu {current} -> {mtu}",
            original is { } found ? fp => fp.BridgeOriginalMtu = found : null,
            _ => kernel.SetLinkMtu(index(), mtu));
    }

    /// <summary>Each port's BR_ISOLATED as <paramref name="isolated"/> says; a port gone meanwhile is nothing to do.</summary>
    private void PlanIsolation(StepPlan plan, IReadOnlyList<LinkInfo> ports, bool isolated)
    {
        foreach (var port in ports.Where(p => isolated ? p.Isolated != true : p.Isolated == true))
        {
            plan.Add(
                isolated ? $"~ isolate VM port {port.Name}" : $"~ un-isolate VM port {port.Name}",
                null,
                _ => kernel.SetPortIsolated(port.Index, isolated));
        }
    }

    private List<LinkInfo> Ports(LinkInfo bridge) =>
        kernel.ListLinks().Where(l => l.MasterIndex == bridge.Index).OrderBy(l => l.Name, StringComparer.Ordinal).ToList();

    private static bool TryParseAddress(string text, out IPAddress address, out int prefix)
    {
        address = IPAddress.None;
        prefix = 0;
        var parts = text.Split('/');
        return parts.Length == 2 && Ipv4.TryParseStrict(parts[0], out address) && int.TryParse(parts[1], out prefix);
    }
}
