using System.Globalization;
using CocoonNet.Node.Text;

namespace CocoonNet.Host.Status;

/// <summary>
/// The human form of the report: upstream's lines first (Platform, Node, Subnet, Gateway, IPs, Updated), then
/// the provider's cloud lines, then the host, then the verdict with one line per problem.
/// </summary>
internal static class StatusTextRenderer
{
    public static IEnumerable<string> Lines(StatusReport report)
    {
        var node = report.Node;
        yield return Line("Platform", node.Platform);
        yield return Line("Node", node.NodeName);
        yield return Line("Subnet", node.Subnet);
        yield return Line("Gateway", node.Gateway);
        yield return Line("IPs", report.Ips.Count.ToString(CultureInfo.InvariantCulture));
        // Upstream prints whole seconds.
        yield return Line("Updated", node.UpdatedAt.Split('.')[0].TrimEnd('Z') + "Z");
        foreach (var field in report.Cloud?.Fields ?? [])
        {
            yield return Line(field.Label, field.Value);
        }

        yield return Line("Mode", node.Mode == NodeMode.Adopt ? "adopt" : "init");
        yield return Line("Settings", $"vm-isolation {OnOff(node.VmIsolation)}, anti-spoofing {OnOff(node.AntiSpoofing)}, "
            + $"mtu {(node.Mtu is { } recordedMtu ? recordedMtu.ToString(CultureInfo.InvariantCulture) : "auto")}");
        var drops = (node.DropInternalAccess ? [$"own subnet {node.Subnet}"] : Array.Empty<string>()).Concat(node.DropCidrs).ToList();
        yield return Line("Drops", drops.Count > 0 ? string.Join(", ", drops) : "none");
        var bridge = report.Bridge;
        yield return Line("Bridge", !bridge.Present
            ? $"{bridge.Name} missing"
            : $"{bridge.Name} {(bridge.Up ? "up" : "down")}, {bridge.Address}{(bridge.AddressPresent ? "" : " missing")}");
        if (bridge.Mtu is { } mtu)
        {
            yield return Line("MTU", mtu.Expected is { } expected
                ? $"{expected} ({mtu.Source}){(mtu.Actual is { } actual && actual != expected ? $", {bridge.Name} has {actual}" : "")}"
                : $"unknown ({mtu.Source} not found){(mtu.Actual is { } found ? $", {bridge.Name} has {found}" : "")}");
        }

        if (bridge.Isolation is { } isolation)
        {
            yield return Line("Isolation", $"{(isolation.Enabled ? "on" : "off")}, {isolation.Isolated} of {Node.Text.Plural.Of(isolation.Ports, "VM port")} isolated");
        }

        yield return Line("Routes", $"{report.Routes.Present}/{report.Routes.Expected}");
        var dhcp = report.Dhcp;
        var mode = dhcp.Mode switch { DhcpMode.Process => "process", DhcpMode.Systemd => "systemd", _ => null };
        yield return Line("DHCP server", dhcp.Backend);
        if (dhcp.Backend == Node.Leases.DhcpBackends.EmbeddedName)
        {
            yield return Line("DHCP", report.Agent is { } server ? $"served by the agent (pid {server.Pid})" : "not served (no agent running)");
        }
        else
        {
            yield return Line("DHCP", dhcp.Pid is { } pid
                ? $"running ({mode}, pid {pid})"
                : $"not running{(mode is null ? "" : $" ({mode})")}");
            yield return Line("Leases", dhcp.ActiveLeases.ToString(CultureInfo.InvariantCulture));
            yield return Line("DHCP log", dhcp.LogFile ?? "systemd journal (journalctl -u dnsmasq-cni)");
        }

        if (report.Leases is { } leases)
        {
            yield return Line("Lease file", leases.Error is { } error
                ? $"{leases.File} unreadable: {error}"
                : $"{leases.File}: {(leases.Present ? $"{leases.Active} active" : "none")}");
            yield return Line("Control", $"{leases.ControlSocket} {(leases.ControlSocketPresent ? "present" : "absent")}");
        }
        var iptables = report.Iptables;
        yield return Line("Iptables", !iptables.Managed
            ? "not managed"
            : iptables.Present switch
            {
                true => "managed, rules intact",
                false => $"managed, missing {string.Join(", ", iptables.MissingChains.Concat(iptables.MissingRules))}",
                null => "managed, rules unreadable",
            });
        if (report.PortSecurity is { } portSecurity)
        {
            yield return Line("Anti-spoof", !portSecurity.Enabled
                ? "off"
                : portSecurity.Present switch
                {
                    null => $"unreadable: {portSecurity.Error}",
                    false => "table bridge cocoon missing",
                    true => $"table bridge cocoon{(portSecurity.ChainIntact ? "" : " (changed)")}, {Plural.Of(portSecurity.VmPorts, "VM port")}, "
                        + $"{Plural.Of(portSecurity.Leases, "lease")}{(portSecurity.LeasesOutOfStep > 0 ? $" ({portSecurity.LeasesOutOfStep} out of step)" : "")}, "
                        + $"{portSecurity.Dropped} dropped",
                });
        }

        yield return Line("CNI", $"{report.Cni.Conflist}{(report.Cni.Present ? "" : " missing")}");
        yield return Line("State", report.State.Path);
        if (report.Agent is { } agent)
        {
            var last = agent.LastReconcile is { } r ? $"last {r.Kind} reconcile {(r.Ok ? "ok" : $"failed: {r.Error}")} at {r.Time}" : "no reconcile yet";
            yield return Line("Agent", $"running (pid {agent.Pid}{(agent.UnderSystemd ? ", systemd" : "")}, since {agent.Started}), {last}, "
                + $"{agent.Repairs} repairs, {agent.DhcpRestarts} DHCP restarts{AgentCloud(agent)}");
            foreach (var held in agent.Held)
            {
                yield return Line("Held", $"{held.Object}: changed back by something else again and again; the agent leaves it until {held.Until}");
            }
        }

        yield return Line("Health", report.Healthy ? "ok" : "degraded");
        foreach (var problem in report.Problems)
        {
            yield return Line("Problem", problem);
        }

        foreach (var note in report.Notes ?? [])
        {
            yield return Line("Note", note);
        }
    }

    /// <summary>The agent's last cloud check, when it found something: drift line by line, or that it could not ask.</summary>
    private static string AgentCloud(AgentSection agent) =>
        agent.CloudReachable == false ? ", cloud unreachable"
        : agent.CloudDrift == true ? $", cloud drift: {(agent.CloudDriftLines.Count > 0 ? string.Join("; ", agent.CloudDriftLines) : "yes")}"
        : "";

    private static string OnOff(bool value) => value ? "on" : "off";

    // Always at least one space: a plugin's label may be longer than the column (Reservation:).
    private static string Line(string label, string value) => $"{label + ":",-11} {value}";
}
