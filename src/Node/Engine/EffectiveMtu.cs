using CocoonNet.Node.Linux;

namespace CocoonNet.Node.Engine;

/// <summary>
/// The MTU cni0 and its VMs take, decided here and nowhere else: the one recorded by <c>--mtu</c>, else the primary
/// NIC's live MTU (GCE's VPC default is 1460, not Ethernet's 1500: a VM sending 1500-byte packets would see them
/// fragmented or, with DF set, black-holed). The bridge, the conflist, both DHCP backends (option 26) and status all
/// read the one value <see cref="NodeTarget.WithMtu"/> puts in the spec.
/// </summary>
internal static class EffectiveMtu
{
    /// <summary>The effective MTU; null when nothing was recorded and the primary NIC is not there to ask (cni0 is left as it is).</summary>
    public static int? Of(int? recorded, string primaryNic, IReadOnlyList<LinkInfo> links) => recorded ?? PrimaryMtu(primaryNic, links);

    /// <summary>The primary NIC's live MTU, or null when it has no link here.</summary>
    public static int? PrimaryMtu(string primaryNic, IReadOnlyList<LinkInfo> links) =>
        primaryNic.Length > 0 && links.FirstOrDefault(l => l.Name == primaryNic) is { Mtu: > 0 } nic ? nic.Mtu : null;

    /// <summary>
    /// Null unless <paramref name="recorded"/> is above the primary NIC's live MTU, else the one-line refusal: VMs
    /// would send packets the uplink cannot carry. A NIC that is not there cannot be compared: no refusal.
    /// </summary>
    public static string? Refusal(int? recorded, string primaryNic, IReadOnlyList<LinkInfo> links) =>
        recorded is { } mtu && PrimaryMtu(primaryNic, links) is { } nic && mtu > nic
            ? $"--mtu {mtu}: above the MTU of the primary NIC {primaryNic} ({nic}); VMs' full-size packets could not leave the node. "
              + $"Give at most {nic}, or --mtu auto to follow {primaryNic}"
            : null;
}
