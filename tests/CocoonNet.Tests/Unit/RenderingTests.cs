using System.Net;
using CocoonNet.Node.Dhcp;
using CocoonNet.Node.Net;
using CocoonNet.Node.Pipeline;
using CocoonNet.Node.Pipeline.Steps;

namespace CocoonNet.Tests.Unit;

public sealed class RenderingTests
{
    internal static HostSpec Spec(string subnet = "172.20.100.0/24", int pool = 140, string primaryNic = "ens4", string dns = "8.8.8.8,1.1.1.1",
        IReadOnlyList<string>? uplinks = null, bool manageIptables = true)
    {
        var network = IPNetwork.Parse(subnet);
        var gateway = Ipv4.FirstHost(network);
        return new HostSpec(network, gateway, new CocoonNet.Abstractions.AddressPool(network, gateway).First(pool), primaryNic, uplinks ?? [],
            dns.Split(',', StringSplitOptions.RemoveEmptyEntries).Select(IPAddress.Parse).ToList(), manageIptables, DhcpServiceMode.Process);
    }

    [Fact]
    public void Dnsmasq_config_has_upstreams_exact_directives()
    {
        Assert.Equal(
            """
            interface=cni0
            bind-interfaces
            except-interface=lo
            except-interface=ens4
            dhcp-range=172.20.100.2,172.20.100.141,255.255.255.0,24h
            dhcp-option=option:router,172.20.100.1
            dhcp-option=option:dns-server,8.8.8.8,1.1.1.1
            dhcp-leasefile=/var/lib/misc/dnsmasq.leases
            dhcp-authoritative
            port=0
            log-dhcp

            """,
            DnsmasqConfigRenderer.Render(Spec(), "/var/lib/misc/dnsmasq.leases"));
    }

    [Fact]
    public void Dnsmasq_config_splits_ranges_on_gaps_and_omits_an_empty_dns_option()
    {
        var spec = Spec(dns: "") with
        {
            Ips = new[] { "10.0.0.5", "10.0.0.2", "10.0.0.3", "10.0.0.9" }.Select(IPAddress.Parse).ToList(),
            Subnet = IPNetwork.Parse("10.0.0.0/22"),
        };
        var config = DnsmasqConfigRenderer.Render(spec, "/l");
        Assert.Contains("dhcp-range=10.0.0.2,10.0.0.3,255.255.252.0,24h\ndhcp-range=10.0.0.5,10.0.0.5,255.255.252.0,24h\ndhcp-range=10.0.0.9,10.0.0.9,255.255.252.0,24h\n", config);
        Assert.DoesNotContain("dns-server", config);
    }

    [Fact]
    public void Conflist_is_the_product_descriptions_bytes()
    {
        Assert.Equal(
            "{\n  \"cniVersion\": \"1.0.0\",\n  \"name\": \"dnsmasq-dhcp\",\n  \"plugins\": [\n    {\n      \"type\": \"bridge\",\n      \"bridge\": \"cni0\",\n"
            + "      \"isGateway\": false,\n      \"ipMasq\": false,\n      \"portIsolation\": true,\n      \"macspoofchk\": true,\n      \"ipam\": {}\n    }\n  ]\n}\n",
            CniConfigStep.Conflist);
    }

    [Fact]
    public void Iptables_rules_cover_each_nic_both_ways_and_masquerade_the_subnet()
    {
        var rules = IptablesStep.DesiredRules(Spec(uplinks: ["eth1", "ens4"]));
        Assert.Equal(
            [
                "-A COCOON-NET-FORWARD -i ens4 -o cni0 -j ACCEPT",
                "-A COCOON-NET-FORWARD -i cni0 -o ens4 -j ACCEPT",
                "-A COCOON-NET-FORWARD -i eth1 -o cni0 -j ACCEPT",
                "-A COCOON-NET-FORWARD -i cni0 -o eth1 -j ACCEPT",
                "-A COCOON-NET-FORWARD -i cni0 -o cni0 -j DROP",
            ],
            rules[IptablesStep.ForwardChain]);
        Assert.Equal(
            [
                "-A COCOON-NET-INPUT -i cni0 -p udp -m udp --dport 67 -j ACCEPT",
                "-A COCOON-NET-INPUT -i cni0 -p tcp -m tcp --dport 9092 -j DROP",
            ],
            rules[IptablesStep.InputChain]);
        Assert.Equal(["-A COCOON-NET-POSTROUTING -s 172.20.100.0/24 ! -o cni0 -j MASQUERADE"], rules[IptablesStep.NatChain]);
    }

    [Fact]
    public void Vms_are_refused_the_default_agent_port_and_the_agents_own_once_each()
    {
        var rules = IptablesStep.DesiredRules(Spec() with { AgentPorts = [9092, 9100, 9092] });
        Assert.Equal(
            [
                "-A COCOON-NET-INPUT -i cni0 -p udp -m udp --dport 67 -j ACCEPT",
                "-A COCOON-NET-INPUT -i cni0 -p tcp -m tcp --dport 9092 -j DROP",
                "-A COCOON-NET-INPUT -i cni0 -p tcp -m tcp --dport 9100 -j DROP",
            ],
            rules[IptablesStep.InputChain]);
    }
}
