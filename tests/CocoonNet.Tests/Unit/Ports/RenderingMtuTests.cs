using CocoonNet.Host.Agent.Leases;
using CocoonNet.Node.Leases;
using CocoonNet.Node.Pipeline.Steps;

namespace CocoonNet.Tests.Unit.Ports;

/// <summary>The effective MTU and the isolation choices as the conflist and both DHCP backends give them.</summary>
public sealed class RenderingMtuTests
{
    [Fact]
    public void The_conflist_carries_mtu_port_isolation_and_mac_spoof_check()
    {
        Assert.Equal(
            """
            {
              "cniVersion": "1.0.0",
              "name": "cocoon-dhcp",
              "plugins": [
                {
                  "type": "bridge",
                  "bridge": "cni0",
                  "isGateway": false,
                  "ipMasq": false,
                  "mtu": 1460,
                  "portIsolation": true,
                  "macspoofchk": true,
                  "ipam": {}
                }
              ]
            }

            """,
            CniConfigStep.ConflistFor(RenderingTests.Spec() with { Backend = DhcpBackend.Embedded, Mtu = 1460 }));
    }

    [Fact]
    public void The_conflist_says_false_when_turned_off_and_leaves_out_an_unknown_mtu()
    {
        var conflist = CniConfigStep.ConflistFor(RenderingTests.Spec() with { VmIsolation = false, AntiSpoofing = false });
        Assert.Contains("\"ipMasq\": false,\n      \"portIsolation\": false,\n      \"macspoofchk\": false,\n", conflist);
        Assert.DoesNotContain("mtu", conflist);
        Assert.Equal(CniConfigStep.Conflist, CniConfigStep.ConflistFor(RenderingTests.Spec()));
    }

    [Fact]
    public void Dnsmasq_gives_option_26_after_the_router_only_when_the_mtu_is_known()
    {
        var config = DnsmasqConfigRenderer.Render(RenderingTests.Spec() with { Mtu = 1460 }, "/l");
        Assert.Contains("dhcp-option=option:router,172.20.100.1\ndhcp-option=option:mtu,1460\ndhcp-option=option:dns-server,", config);
        Assert.DoesNotContain("option:mtu", DnsmasqConfigRenderer.Render(RenderingTests.Spec(), "/l"));
    }

    [Fact]
    public void The_embedded_server_gives_the_effective_mtu()
    {
        Assert.Equal(1460, EmbeddedDhcp.SettingsOf(RenderingTests.Spec() with { Mtu = 1460 }).Mtu);
        Assert.Null(EmbeddedDhcp.SettingsOf(RenderingTests.Spec()).Mtu);
    }
}
