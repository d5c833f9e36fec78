using CocoonNet.Tests.Support;

namespace CocoonNet.Tests.Integration;

/// <summary>The sysctl step against a real /proc/sys, in a node namespace.</summary>
[Collection(NamespaceCollection.Name)]
public sealed class SysctlInNamespacesTests
{
    [PrivilegedFact]
    public void A_dotted_primary_nic_gets_rp_filter_off_under_its_own_proc_sys_entry()
    {
        using var sandbox = new Sandbox();
        // A VLAN-style name (the 8021q module may be missing here; the name is what matters to sysctl).
        sandbox.InNamespace(sandbox.Node, "ip", "link", "add", "eth0.100", "type", "veth", "peer", "name", "eth0p100");
        sandbox.InNamespace(sandbox.Node, "sh", "-c", "echo 1 > /proc/sys/net/ipv4/conf/eth0.100/rp_filter");

        var result = sandbox.CocoonNet("adopt", "--node-name", "sandbox", "--subnet", "172.20.0.0/24", "--primary-nic", "eth0.100");
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("~ net.ipv4.conf.eth0/100.rp_filter 1 -> 0", result.Stdout);
        Assert.Equal("0", sandbox.InNamespace(sandbox.Node, "cat", "/proc/sys/net/ipv4/conf/eth0.100/rp_filter").Trim());
        Assert.DoesNotContain("interface not present", result.Stderr);
    }
}
