using System.Text;
using CocoonNet.Node.Linux;
using CocoonNet.Node.PortSecurity;
using CocoonNet.Node.State;
using CocoonNet.Node.Text;

namespace CocoonNet.Node.Pipeline.Steps;

/// <summary>
/// Anti-spoofing (<c>--anti-spoofing</c>): the nftables table <c>bridge cocoon</c> (<see cref="PortSecurityRuleset"/>).
/// Plans against the live table read once (<c>nft -j list</c>): a missing or misshapen one is made whole, a live one is
/// brought to this version's rules, cni0's ports and leases.json's leases in one transaction that never flushes the
/// dynamic binding sets (a re-run must not unbind running VMs). Between runs the agent keeps ports and leases in step.
/// Off: the table goes. Teardown: the table goes.
/// </summary>
internal sealed class PortSecurityStep(INftables nft, IKernelNetwork kernel, HostPaths paths, TimeProvider time) : IHostStep
{
    public const string AgentNote = "the agent (cocoon-net agent) lets new leases and VM ports through as they come; without it, they wait for the next run";

    private static readonly string TableName = $"nftables table {PortSecurityRuleset.Table}";

    public HostStepId Id => HostStepId.PortSecurity;

    public async Task<StepPlan> PlanSetupAsync(HostSpec spec, HostFootprint footprint, CancellationToken cancellationToken)
    {
        var plan = new StepPlan(Id);
        if (!spec.AntiSpoofing)
        {
            // Off needs no nft where there never was a table of ours: a node without nftables stays usable.
            PlanRemoval(plan, await ReadOrNoneAsync(footprint, plan, cancellationToken).ConfigureAwait(false), footprint, "--anti-spoofing is off");
            return plan;
        }

        var live = await ReadAsync(cancellationToken).ConfigureAwait(false);

        var ports = PortSecurityLeases.Ports(kernel);
        var leases = PortSecurityLeases.Desired(spec.Backend, spec.LeaseFile, spec.Ips, paths, time.GetUtcNow());
        if (live is null || !live.HasChain || !live.HasSets)
        {
            var line = live is null
                ? $"+ {TableName}: chain {PortSecurityRuleset.Chain} ({Plural.Of(PortSecurityRuleset.Rules.Count, "rule")}), {Plural.Of(ports.Count, "VM port")}, {Plural.Of(leases.Count, "lease")}"
                : $"~ recreate {TableName} (its chain or sets are not as cocoon-net makes them; VMs bind again on their next packet)";
            var text = PortSecurityRuleset.Create(ports, leases);
            plan.Add([line], fp => fp.PortSecurity = true, (_, ct) => nft.ApplyAsync(text, ct));
            plan.Notes.Add(AgentNote);
            return plan;
        }

        var rewrite = !live.RulesCurrent;
        var portChange = SetChange.Between(ports, live.Elements(PortSecurityRuleset.PortsSet));
        var leaseChange = SetChange.Between(leases, live.Elements(PortSecurityRuleset.LeasesSet));
        var lines = new List<string>();
        if (rewrite)
        {
            lines.Add($"~ rewrite chain {PortSecurityRuleset.Table} {PortSecurityRuleset.Chain} ({live.RuleCount} -> {Plural.Of(PortSecurityRuleset.Rules.Count, "rule")})");
        }

        lines.AddRange(portChange.Added.Select(p => $"+ VM port {p} in set {PortSecurityRuleset.PortsSet}"));
        lines.AddRange(portChange.Removed.Select(p => $"- VM port {p} from set {PortSecurityRuleset.PortsSet} (and its bindings)"));
        lines.AddRange(leaseChange.Added.Select(l => $"+ lease {l} in set {PortSecurityRuleset.LeasesSet}"));
        lines.AddRange(leaseChange.Removed.Select(l => $"- lease {l} from set {PortSecurityRuleset.LeasesSet} (and its bindings)"));
        if (lines.Count == 0)
        {
            if (!footprint.PortSecurity)
            {
                // The table is cocoon-net's by name and already right (a run killed after its transaction): own it.
                plan.Add($"~ own {TableName} (already as wanted)", null, fp => fp.PortSecurity = true);
            }

            return plan;
        }

        var update = new StringBuilder(PortSecurityRuleset.Update(rewrite, portChange, leaseChange));
        Unbinding.Append(update, live.Elements(PortSecurityRuleset.PortMacsSet), leaseChange.Removed.Select(Unbinding.MacOf), portChange.Removed);
        var transaction = update.ToString();
        plan.Add(lines, fp => fp.PortSecurity = true, (_, ct) => nft.ApplyAsync(transaction, ct));
        plan.Notes.Add(AgentNote);
        return plan;
    }

    public async Task<StepPlan> PlanTeardownAsync(HostSpec spec, HostFootprint footprint, CancellationToken cancellationToken)
    {
        var plan = new StepPlan(Id);
        PlanRemoval(plan, await ReadOrNoneAsync(footprint, plan, cancellationToken).ConfigureAwait(false), footprint, null);
        return plan;
    }

    /// <summary>The table goes whenever it is there: its name is cocoon-net's, whatever the footprint says.</summary>
    private void PlanRemoval(StepPlan plan, LivePortSecurity? live, HostFootprint footprint, string? why)
    {
        if (live is not null)
        {
            plan.Add($"- {TableName}{(why is null ? "" : $" ({why})")}", null, async (fp, ct) =>
            {
                await nft.ApplyAsync(PortSecurityRuleset.Delete(), ct).ConfigureAwait(false);
                fp.PortSecurity = false;
            });
        }
        else if (footprint.PortSecurity)
        {
            plan.Add($"~ forget {TableName} (already gone)", null, fp => fp.PortSecurity = false);
        }
    }

    /// <summary>The live table; none when nft is not installed and the footprint owns no table (nothing can be there of ours).</summary>
    private async Task<LivePortSecurity?> ReadOrNoneAsync(HostFootprint footprint, StepPlan plan, CancellationToken cancellationToken)
    {
        try
        {
            return await ReadAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (NftUnavailableException) when (!footprint.PortSecurity)
        {
            plan.Notes.Add("skipped (nft is not installed)");
            return null;
        }
    }

    private async Task<LivePortSecurity?> ReadAsync(CancellationToken cancellationToken)
    {
        using var listing = await nft.ListAsync($"table {PortSecurityRuleset.Table}", cancellationToken).ConfigureAwait(false);
        return listing is null ? null : LivePortSecurity.Parse(listing);
    }
}
