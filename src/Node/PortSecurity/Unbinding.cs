using System.Text;

namespace CocoonNet.Node.PortSecurity;

/// <summary>
/// The binding elements to drop when leases end or ports go, from the live <c>port_macs</c> (<c>port . mac</c>): the
/// MAC's bindings when its lease ends (its port may take a new lease, from 0.0.0.0, then bind again), the port's when
/// it leaves cni0 (its VM's MAC may come back on a new port, as a restarted VM does).
/// </summary>
internal static class Unbinding
{
    /// <summary>The (set, element) pairs to remove for <paramref name="macs"/> and <paramref name="ports"/>, elements as listed.</summary>
    public static IReadOnlyList<(string Set, string Element)> Removals(IReadOnlyList<string> portMacs, IEnumerable<string> macs, IEnumerable<string> ports)
    {
        var goneMacs = macs.ToHashSet(StringComparer.Ordinal);
        var gonePorts = ports.ToHashSet(StringComparer.Ordinal);
        var removals = new List<(string, string)>();
        foreach (var element in portMacs)
        {
            if (Split(element) is var (port, mac) && (goneMacs.Contains(mac) || gonePorts.Contains(port)))
            {
                removals.Add((PortSecurityRuleset.PortMacsSet, element));
                goneMacs.Add(mac);
                gonePorts.Add(port);
            }
        }

        removals.AddRange(goneMacs.Order(StringComparer.Ordinal).Select(m => (PortSecurityRuleset.BoundMacsSet, m)));
        removals.AddRange(gonePorts.Order(StringComparer.Ordinal).Select(p => (PortSecurityRuleset.BoundPortsSet, p)));
        return removals;
    }

    /// <summary>Appends to <paramref name="text"/> what unbinds <paramref name="macs"/> and <paramref name="ports"/>; false when nothing does.</summary>
    public static bool Append(StringBuilder text, IReadOnlyList<string> portMacs, IEnumerable<string> macs, IEnumerable<string> ports)
    {
        var removals = Removals(portMacs, macs, ports);
        foreach (var set in new[] { PortSecurityRuleset.PortMacsSet, PortSecurityRuleset.BoundMacsSet, PortSecurityRuleset.BoundPortsSet })
        {
            PortSecurityRuleset.AppendRemoval(text, set, removals.Where(r => r.Set == set).Select(r => PortSecurityRuleset.Render(set, r.Element)));
        }

        return removals.Count > 0;
    }

    /// <summary>The MAC of a <c>leases</c> element (<c>mac . ip</c>).</summary>
    public static string MacOf(string lease) => lease.Split(" . ")[0];

    internal static (string Port, string Mac)? Split(string element) =>
        element.Split(" . ") is [var port, var mac] ? (port, mac) : null;
}
