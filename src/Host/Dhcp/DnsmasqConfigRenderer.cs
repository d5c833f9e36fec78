using System.Net;
using System.Text;
using CocoonNet.Host.Net;
using CocoonNet.Host.Pipeline;

namespace CocoonNet.Host.Dhcp;

/// <summary>Renders <c>/etc/dnsmasq-cni.d/cni0.conf</c> with upstream's exact directives.</summary>
internal static class DnsmasqConfigRenderer
{
    public static string Render(HostSpec spec, string leaseFile)
    {
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
            text.Append("dhcp-range=").Append(first).Append(',').Append(last).Append(',').Append(netmask).Append(",24h\n");
        }

        text.Append("dhcp-option=option:router,").Append(spec.Gateway).Append('\n');
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
}
