using System.Text;

namespace CocoonNet.Node.PortSecurity;

/// <summary>
/// The binding elements to drop when leases end or ports go, from the live <c>port_macs</c> (<c>port . mac</c>): the
/// MAC's bindings when its lease ends (its port may take a new lease, from 0.0.0.0, then bind again), the port's when
/// it leaves cni0 (its VM's MAC may come back on a new port, as a restarted VM does).
/// </summary>
internal static class Unbinding
{
    /// <summary>Appends to <paramref name="text"/> what unbinds <paramref name="macs"/> and <paramref name="ports"/>; false when nothing does.</summary>
    public static bool Append(StringBuilder text, IReadOnlyList<string> portMacs, IEnumerable<string> macs, IEnumerable<string> ports)
    {
        var goneMacs = macs.ToHashSet(StringComparer.Ordinal);
        var gonePorts = ports.ToHashSet(StringComparer.Ordinal);
        var pairs = new List<string>();
        foreach (var element in portMacs)
        {
            if (Split(element) is var (port, mac) && (goneMacs.Contains(mac) || gonePorts.Contains(port)))
            {
                pairs.Add($"\"{port}\" . {mac}");
                goneMacs.Add(mac);
                gonePorts.Add(port);
            }
        }

        if (goneMacs.Count == 0 && gonePorts.Count == 0)
        {
            return false;
        }

        PortSecurityRuleset.AppendRemoval(text, PortSecurityRuleset.PortMacsSet, pairs);
        PortSecurityRuleset.AppendRemoval(text, PortSecurityRuleset.BoundMacsSet, goneMacs.Order(StringComparer.Ordinal));
        PortSecurityRuleset.AppendRemoval(text, PortSecurityRuleset.BoundPortsSet, gonePorts.Order(StringComparer.Ordinal).Select(PortSecurityRuleset.Port));
        return true;
    }

    /// <summary>The MAC of a <c>leases</c> element (<c>mac . ip</c>).</summary>
    public static string MacOf(string lease) => lease.Split(" . ")[0];

    private static (string Port, string Mac)? Split(string element) =>
        element.Split(" . ") is [var port, var mac] ? (port, mac) : null;
}
