using System.Net;
using System.Net.Sockets;
using System.Text;
using CocoonNet.Node.Net;
using CocoonNet.Node.Text;

namespace CocoonNet.Node.Pipeline.Steps;

/// <summary>Renders <c>/etc/dnsmasq-cni.d/cni0.conf</c> with upstream's exact directives.</summary>
internal static class DnsmasqConfigRenderer
{
    /// <summary>
    /// The config text. Every value is checked for its shape here, whatever checked it before: dnsmasq ends a
    /// directive at a line break and runs <c>dhcp-script=</c> as root, so a value carrying one would add a
    /// directive of its own.
    /// </summary>
    public static string Render(HostSpec spec, string leaseFile)
    {
        if (spec.PrimaryNic.Length > 0 && !Names.IsInterfaceName(spec.PrimaryNic))
        {
            throw Refused($"except-interface {ConfigText.Quote(spec.PrimaryNic)} is not an interface name");
        }

        if (leaseFile.Length == 0 || !ConfigText.IsOneLine(leaseFile) || !Path.IsPathRooted(leaseFile))
        {
            throw Refused($"dhcp-leasefile {ConfigText.Quote(leaseFile)} is not an absolute path on one line");
        }

        if (spec.Ips.Append(spec.Subnet.BaseAddress).Append(spec.Gateway).Concat(spec.Dns)
            .FirstOrDefault(a => a.AddressFamily != AddressFamily.InterNetwork) is { } notIpv4)
        {
            throw Refused($"address {notIpv4} is not IPv4");
        }

        var netmask = Ipv4.Netmask(spec.Subnet);
        var text = new StringBuilder();
        text.Append("interface=").Append(HostSpec.Bridge).Append('\n');
        text.Append("bind-interfaces\n");
        text.Append("except-interface=lo\n");
        if (spec.PrimaryNic.Length > 0)
        {
            text.Append("except-interface=").Append(spec.PrimaryNic).Append('\n');
        }

        foreach (var (first, last) in Ipv4.ContiguousRuns(spec.Ips))
        {
            text.Append("dhcp-range=").Append(first).Append(',').Append(last).Append(',').Append(netmask).Append(',').Append(LeaseTime(spec.LeaseTime)).Append('\n');
        }

        text.Append("dhcp-option=option:router,").Append(spec.Gateway).Append('\n');
        if (spec.Mtu is { } mtu)
        {
            // Option 26: Linux clients (udhcpc, dhclient, systemd-networkd, cloud-init) set the interface MTU from it;
            // Windows ignores it, see docs.
            text.Append("dhcp-option=option:mtu,").Append(mtu.ToString(System.Globalization.CultureInfo.InvariantCulture)).Append('\n');
        }

        if (spec.Dns.Count > 0)
        {
            text.Append("dhcp-option=option:dns-server,").AppendJoin(',', spec.Dns.Select(d => d.ToString())).Append('\n');
        }

        text.Append("dhcp-leasefile=").Append(leaseFile).Append('\n');
        text.Append("dhcp-authoritative\n");
        text.Append("port=0\n");
        text.Append("log-dhcp\n");
        return text.ToString();
    }

    /// <summary>
    /// dnsmasq's lease-time form: whole hours as <c>24h</c> (the default's upstream spelling), else whole minutes as
    /// <c>30m</c>, else seconds (a bare number).
    /// </summary>
    public static string LeaseTime(TimeSpan leaseTime)
    {
        var seconds = (long)leaseTime.TotalSeconds;
        return seconds % 3600 == 0 ? $"{seconds / 3600}h"
            : seconds % 60 == 0 ? $"{seconds / 60}m"
            : seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
    }

    private static InvalidOperationException Refused(string why) =>
        new($"refusing to write the dnsmasq config: {why} (a defect; report it)");
}
