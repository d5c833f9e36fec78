using System.Net;
using System.Text;
using CocoonNet.Node.Linux;
using CocoonNet.Node.Text;
using CocoonNet.Node.State;

namespace CocoonNet.Node.Pipeline.Steps;

/// <summary>
/// cocoon-net's rules live in chains of its own, reached by one jump each from FORWARD, INPUT and
/// POSTROUTING: it never flushes, edits or reorders a rule it did not write. Live rules are read with one
/// iptables-save; any difference is written with one iptables-restore --noflush transaction, which
/// replaces the content of cocoon-net's chains atomically.
/// <para>
/// After writing, the step records a fingerprint of what the kernel then holds (nftables netlink view of
/// its chains and jumps) with the rules it wanted. A re-run whose wanted rules and live fingerprint both
/// still match is a no-op without forking iptables-save; any difference, or a kernel view that cannot be
/// read (iptables-legacy), falls back to the full iptables-save comparison.
/// </para>
/// </summary>
internal sealed class IptablesStep(IIptables iptables) : IHostStep
{
    public const string ForwardChain = "COCOON-NET-FORWARD";
    public const string InputChain = "COCOON-NET-INPUT";
    public const string NatChain = "COCOON-NET-POSTROUTING";

    private static readonly (string Table, string Parent, string Chain)[] Chains =
    [
        ("filter", "FORWARD", ForwardChain),
        ("filter", "INPUT", InputChain),
        ("nat", "POSTROUTING", NatChain),
    ];

    private static readonly string[] Tables = ["filter", "nat"];

    public HostStepId Id => HostStepId.Iptables;

    public void Prefetch(HostSpec spec, HostFootprint footprint)
    {
        // With a recorded fingerprint the fork is most likely not needed at all.
        if ((spec.ManageIptables && footprint.IptablesFingerprint is null) || (!spec.ManageIptables && footprint.Iptables))
        {
            iptables.Prefetch();
        }
    }

    /// <summary>The rules of each chain exactly as iptables-save prints them.</summary>
    public static IReadOnlyDictionary<string, IReadOnlyList<string>> DesiredRules(HostSpec spec)
    {
        var bridge = HostSpec.Bridge;
        // Drops first, so no ACCEPT below lets a VM's packet into a dropped range: the node's own VM subnet
        // (--drop-internal-access), then each --drop-cidr in the order given. Only routed traffic from cni0 passes
        // here; traffic to the node's own addresses arrives on INPUT and the bridge's L2 traffic never reaches FORWARD.
        var forward = DropTargets(spec).Select(DropRule).ToList();
        foreach (var nic in spec.ForwardingNics.Select(IptablesArguments.Interface))
        {
            forward.Add($"-A {ForwardChain} -i {nic} -o {bridge} -j ACCEPT");
            forward.Add($"-A {ForwardChain} -i {bridge} -o {nic} -j ACCEPT");
        }

        // Routed hairpin: a VM sending to another VM's address through the gateway (a host route, or an address
        // outside its on-link prefix). With isolation on it must not be a way around BR_ISOLATED.
        forward.Add(HairpinRule(spec.VmIsolation));
        // DHCP must reach dnsmasq even where INPUT defaults to DROP.
        List<string> input = [$"-A {InputChain} -i {bridge} -p udp -m udp --dport 67 -j ACCEPT"];
        // The agent's HTTP listener is for the node (kubelet probes, Prometheus), never for VMs: whatever
        // address --listen names, a VM must not be able to hold connections open against it.
        foreach (var port in spec.AgentPorts.Distinct().Order())
        {
            input.Add($"-A {InputChain} -i {bridge} -p tcp -m tcp --dport {port} -j DROP");
        }

        return new Dictionary<string, IReadOnlyList<string>>
        {
            [ForwardChain] = forward,
            [InputChain] = input,
            [NatChain] = [$"-A {NatChain} -s {spec.Subnet} ! -o {bridge} -j MASQUERADE"],
        };
    }

    /// <summary>What VMs' routed traffic may not reach, in rule order: own subnet first, then the --drop-cidr ranges.</summary>
    public static IReadOnlyList<IPNetwork> DropTargets(HostSpec spec) =>
        (spec.DropInternalAccess ? [spec.Subnet] : Array.Empty<IPNetwork>()).Concat(spec.DropCidrs).Distinct().ToList();

    /// <summary>
    /// A drop rule as iptables-save prints it (<c>-d</c> before <c>-i</c>, canonical network/prefix, /32 spelled
    /// out): the plan compares saved text, so the order differs from upstream's <c>-i cni0 -d CIDR -j DROP</c> only
    /// in spelling.
    /// </summary>
    public static string DropRule(IPNetwork range) => $"-A {ForwardChain} -d {range} -i {HostSpec.Bridge} -j DROP";

    /// <summary>The cni0 -> cni0 rule: DROP under --vm-isolation, ACCEPT otherwise.</summary>
    public static string HairpinRule(bool isolated) =>
        $"-A {ForwardChain} -i {HostSpec.Bridge} -o {HostSpec.Bridge} -j {(isolated ? "DROP" : "ACCEPT")}";

    /// <summary>The plan's words for what changes among the drops and the hairpin rule (a chain rewrite alone says too little).</summary>
    private static IEnumerable<string> PolicyLines(HostSpec spec, IReadOnlyList<string> have)
    {
        foreach (var range in DropTargets(spec).Where(r => !have.Contains(DropRule(r))))
        {
            var why = spec.DropInternalAccess && range.Equals(spec.Subnet) ? "--drop-internal-access" : "--drop-cidr";
            yield return $"+ drop VM traffic to {range} ({why})";
        }

        var wanted = DropTargets(spec).Select(DropRule).ToHashSet(StringComparer.Ordinal);
        foreach (var rule in have.Where(r => !wanted.Contains(r)))
        {
            if (rule.Split(' ') is [_, _, "-d", var range, "-i", _, "-j", "DROP"])
            {
                yield return $"- stop dropping VM traffic to {range}";
            }
        }

        var hairpin = HairpinRule(spec.VmIsolation);
        if (have.Contains(HairpinRule(!spec.VmIsolation)) && !have.Contains(hairpin))
        {
            yield return spec.VmIsolation
                ? "~ drop routed VM-to-VM traffic (cni0 -> cni0) (--vm-isolation)"
                : "~ accept routed VM-to-VM traffic (cni0 -> cni0) (--vm-isolation=false)";
        }
    }

    public async Task<StepPlan> PlanSetupAsync(HostSpec spec, HostFootprint footprint, CancellationToken cancellationToken)
    {
        var plan = new StepPlan(Id);
        if (!spec.ManageIptables && !footprint.Iptables)
        {
            plan.Notes.Add("skipped (preserve existing rules; --manage-iptables to opt in)");
            return plan;
        }

        if (!spec.ManageIptables)
        {
            var removal = await PlanTeardownAsync(spec, footprint, cancellationToken).ConfigureAwait(false);
            removal.Notes.Add("--manage-iptables is off: removing the rules cocoon-net added earlier");
            return removal;
        }

        var desired = DesiredRules(spec);
        // Read once: it decides the fast path here and, when the rules turn out right, what gets recorded.
        var current = Fingerprint(desired, iptables.LiveFingerprint(Chains));
        if (current is not null && current == footprint.IptablesFingerprint)
        {
            return plan;
        }

        var live = await iptables.SaveAsync(cancellationToken).ConfigureAwait(false);
        var transaction = new StringBuilder();
        var lines = new List<string>();
        foreach (var tableName in Tables)
        {
            var body = new StringBuilder();
            foreach (var (table, parent, chain) in Chains)
            {
                if (table != tableName)
                {
                    continue;
                }

                var want = desired[chain];
                var have = live.Rules(table, chain);
                if (!live.HasChain(table, chain) || !want.SequenceEqual(have))
                {
                    lines.Add(live.HasChain(table, chain)
                        ? $"~ rewrite chain {table}/{chain} ({have.Count} -> {Plural.Of(want.Count, "rule")})"
                        : $"+ create chain {table}/{chain} with {Plural.Of(want.Count, "rule")}");
                    body.Append(':').Append(chain).Append(" - [0:0]\n");
                    foreach (var rule in want)
                    {
                        body.Append(rule).Append('\n');
                    }

                    if (chain == ForwardChain)
                    {
                        lines.AddRange(PolicyLines(spec, have));
                    }
                }

                if (!live.Rules(table, parent).Contains(Jump(parent, chain)))
                {
                    lines.Add($"+ jump {table}/{parent} -> {chain} (first rule)");
                    body.Append("-I ").Append(parent).Append(" 1 -j ").Append(chain).Append('\n');
                }
            }

            if (body.Length > 0)
            {
                transaction.Append('*').Append(tableName).Append('\n').Append(body).Append("COMMIT\n");
            }
        }

        var text = transaction.ToString();
        if (lines.Count > 0)
        {
            // Ownership is claimed (and saved) before the transaction: a kill right after it still leaves
            // the chains on record for teardown.
            plan.Add(
                lines,
                fp =>
                {
                    fp.Iptables = true;
                    fp.IptablesFingerprint = null;
                },
                async (fp, ct) =>
                {
                    await iptables.RestoreAsync(text, ct).ConfigureAwait(false);
                    fp.IptablesFingerprint = Fingerprint(desired, iptables.LiveFingerprint(Chains));
                });
        }
        else if (current is not null)
        {
            // Rules are right but unverified by fingerprint (state from an older cocoon-net, a run killed
            // before it recorded the fingerprint, or rules rewritten identically by hand): record it, so later
            // re-runs need no iptables-save, and own the chains (they are cocoon-net's by name), so
            // teardown removes them.
            plan.Add("~ record the rules' fingerprint (re-runs then check them without iptables-save)", null, fp =>
            {
                fp.Iptables = true;
                fp.IptablesFingerprint = current;
            });
        }

        return plan;
    }

    /// <summary>The live fingerprint bound to the rules wanted: a change of either invalidates it.</summary>
    private static string? Fingerprint(IReadOnlyDictionary<string, IReadOnlyList<string>> desired, string? live)
    {
        if (live is null)
        {
            return null;
        }

        var hash = Fnv1a.Seed;
        foreach (var (_, _, chain) in Chains)
        {
            foreach (var rule in desired[chain])
            {
                hash = Fnv1a.AddBlock(hash, rule);
            }
        }

        return $"{live}-{hash:x16}";
    }

    public async Task<StepPlan> PlanTeardownAsync(HostSpec spec, HostFootprint footprint, CancellationToken cancellationToken)
    {
        var plan = new StepPlan(Id);
        if (!footprint.Iptables)
        {
            return plan;
        }

        var live = await iptables.SaveAsync(cancellationToken).ConfigureAwait(false);
        var transaction = new StringBuilder();
        var lines = new List<string>();
        foreach (var tableName in Tables)
        {
            var body = new StringBuilder();
            foreach (var (table, parent, chain) in Chains)
            {
                if (table != tableName)
                {
                    continue;
                }

                var jump = Jump(parent, chain);
                foreach (var _ in live.Rules(table, parent).Where(r => r == jump))
                {
                    lines.Add($"- jump {table}/{parent} -> {chain}");
                    body.Append("-D ").Append(parent).Append(" -j ").Append(chain).Append('\n');
                }
            }

            foreach (var (table, _, chain) in Chains)
            {
                if (table != tableName || !live.HasChain(table, chain))
                {
                    continue;
                }

                lines.Add($"- chain {table}/{chain} ({Plural.Of(live.Rules(table, chain).Count, "rule")})");
                body.Append("-F ").Append(chain).Append('\n').Append("-X ").Append(chain).Append('\n');
            }

            if (body.Length > 0)
            {
                transaction.Append('*').Append(tableName).Append('\n').Append(body).Append("COMMIT\n");
            }
        }

        var text = transaction.ToString();
        async Task Remove(HostFootprint fp, CancellationToken ct)
        {
            if (text.Length > 0)
            {
                await iptables.RestoreAsync(text, ct).ConfigureAwait(false);
            }

            fp.Iptables = false;
            fp.IptablesFingerprint = null;
        }

        // Nothing live, but the record still says managed: clear it through a no-op change.
        plan.Add(lines.Count > 0 ? lines : ["~ forget iptables ownership (rules already gone)"], null, Remove);

        return plan;
    }

    private static string Jump(string parent, string chain) => $"-A {parent} -j {chain}";
}
