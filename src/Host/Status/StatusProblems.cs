using CocoonNet.Node.Leases;
using CocoonNet.Node.Text;

namespace CocoonNet.Host.Status;

/// <summary>What makes a node degraded, one sentence per problem, in the order an operator would fix them.</summary>
internal static class StatusProblems
{
    public static IReadOnlyList<string> Find(
        IpsSection ips, BridgeSection bridge, RoutesSection routes, IptablesSection iptables, DhcpSection dhcp, CniSection cni, CloudSection? cloud,
        bool agentRunning = false)
    {
        var problems = new List<string>();
        if (ips.Count == 0)
        {
            problems.Add("the pool has no addresses (the last init or adopt did not finish): re-run it");
        }

        if (!bridge.Present)
        {
            problems.Add($"bridge {bridge.Name} is missing");
        }
        else
        {
            if (!bridge.Up)
            {
                problems.Add($"bridge {bridge.Name} is down");
            }

            if (!bridge.AddressPresent)
            {
                problems.Add($"bridge {bridge.Name} lacks its address {bridge.Address}");
            }

            if (bridge.Mtu is { Expected: { } expected, Actual: { } actual } mtu && actual != expected)
            {
                problems.Add($"bridge {bridge.Name} has MTU {actual}, not {expected} ({mtu.Source})");
            }

            if (bridge.Isolation is { Mismatched.Count: > 0 } isolation)
            {
                var names = string.Join(", ", isolation.Mismatched.Take(5)) + (isolation.Mismatched.Count > 5 ? ", ..." : "");
                problems.Add(isolation.Enabled
                    ? $"{isolation.Mismatched.Count} of {isolation.Ports} VM ports on {bridge.Name} are not isolated ({names}): VMs beside them can reach them"
                    : $"{Plural.Of(isolation.Mismatched.Count, "VM port")} on {bridge.Name} {(isolation.Mismatched.Count == 1 ? "is" : "are")} isolated though --vm-isolation is off ({names})");
            }
        }

        if (routes.Present < routes.Expected)
        {
            problems.Add($"{routes.Expected - routes.Present} of {routes.Expected} pool addresses have no route via {bridge.Name}");
        }

        if (iptables.Managed && iptables.Present is null)
        {
            problems.Add("iptables rules could not be read (iptables-save failed)");
        }
        else if (iptables.Managed && iptables.Present == false)
        {
            if (iptables.MissingChains.Count > 0)
            {
                problems.Add($"iptables: missing or unhooked {Plural.Noun(iptables.MissingChains.Count, "chain")} {string.Join(", ", iptables.MissingChains)}");
            }

            if (iptables.MissingRules.Count > 0)
            {
                problems.Add($"iptables: COCOON-NET-FORWARD lacks {string.Join(", ", iptables.MissingRules)} (re-run init or adopt; a running agent puts it back)");
            }
        }

        if (dhcp.Backend == DhcpBackends.EmbeddedName)
        {
            if (!agentRunning)
            {
                problems.Add($"no DHCP is served on {bridge.Name} until the agent runs (--dhcp embedded): {StartAgent}");
            }
        }
        else if (dhcp.Mode is null)
        {
            problems.Add("dnsmasq-cni is not running (and pool.json does not record how it runs): re-run init or adopt");
        }
        else if (!dhcp.Running)
        {
            problems.Add($"dnsmasq-cni is not running ({(dhcp.Mode == DhcpMode.Systemd ? "systemd" : "process")} mode)");
        }

        if (!dhcp.ConfigPresent && dhcp.Backend != DhcpBackends.EmbeddedName)
        {
            problems.Add($"dnsmasq config {dhcp.ConfigFile} is missing");
        }

        if (!cni.Present)
        {
            problems.Add($"CNI conflist {cni.Conflist} is missing");
        }

        if (cloud is { Available: false })
        {
            problems.Add($"cloud status unavailable: {cloud.Error}");
        }

        // The cloud no longer routes what pool.json records: VMs on those addresses are cut off whatever the host does.
        foreach (var drift in cloud?.Drift ?? [])
        {
            problems.Add($"cloud drift: {drift} (re-run init, or run the agent with --repair-cloud)");
        }

        return problems;
    }

    /// <summary>Anti-spoofing's problems: the table, its chain, its lease set against leases.json.</summary>
    public static IReadOnlyList<string> PortSecurity(PortSecuritySection? section)
    {
        if (section is not { Enabled: true })
        {
            return [];
        }

        const string Table = "nftables table bridge cocoon";
        return section switch
        {
            { Present: null } => [$"anti-spoofing could not be checked: {section.Error}"],
            { Present: false } => [$"anti-spoofing: {Table} is missing (VMs may send from any address): re-run init or adopt, or start the agent"],
            { ChainIntact: false } => [$"anti-spoofing: {Table} is not as cocoon-net makes it (chain, rules or sets changed)"],
            { LeasesOutOfStep: > 0 } => [$"anti-spoofing: {Plural.Of(section.LeasesOutOfStep, "lease")} out of step between the DHCP leases and the table's set: the agent keeps them in step (is it running? a node without one needs --anti-spoofing=false)"],
            _ => [],
        };
    }

    /// <summary>Facts worth knowing that are not problems: with dnsmasq and no agent, the lease table others read is not kept.</summary>
    public static IReadOnlyList<string> Notes(DhcpSection dhcp, bool agentRunning) =>
        dhcp.Backend != DhcpBackends.EmbeddedName && !agentRunning
            ? [$"leases.json and the control socket are kept only while the agent runs: {StartAgent}"]
            : [];

    private const string StartAgent = "systemctl enable --now cocoon-net, or run 'cocoon-net agent'";
}
