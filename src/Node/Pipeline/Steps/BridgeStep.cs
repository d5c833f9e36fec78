using System.Net;
using CocoonNet.Node.Linux;
using CocoonNet.Node.Net;
using CocoonNet.Node.State;

namespace CocoonNet.Node.Pipeline.Steps;

/// <summary>The <c>cni0</c> bridge: exists, is a bridge, holds gateway/prefix, is up.</summary>
internal sealed class BridgeStep(IKernelNetwork kernel) : IHostStep
{
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

        if (link is null || !link.IsUp)
        {
            plan.Add($"~ set {HostSpec.Bridge} up", null, _ => kernel.SetLinkUp(Index()));
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

        var ports = kernel.ListLinks().Where(l => l.MasterIndex == link.Index).Select(l => l.Name).ToList();
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
            });
            return Task.FromResult(plan);
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

    private static bool TryParseAddress(string text, out IPAddress address, out int prefix)
    {
        address = IPAddress.None;
        prefix = 0;
        var parts = text.Split('/');
        return parts.Length == 2 && Ipv4.TryParseStrict(parts[0], out address) && int.TryParse(parts[1], out prefix);
    }
}
