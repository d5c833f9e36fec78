using CocoonNet.Tests.Support;

namespace CocoonNet.Tests.Integration;

/// <summary>
/// cni0 and DHCP option 26 follow the primary NIC's MTU (a GCE-like 1460 uplink), with both backends: busybox udhcpc,
/// confined, asks for option 26 and its script prints what it got.
/// </summary>
[Collection(IsolationCollection.Name)]
public sealed class MtuOptionInNamespacesTests
{
    private const string PrintMtu = """
        printf '#!/bin/sh\n[ "$1" = bound ] && echo "mtu=$mtu"\nexit 0\n' > "$D/mtu.sh"
        chmod 0700 "$D/mtu.sh"
        exec busybox udhcpc -i eth0 -n -q -f -t 6 -T 1 -A 1 -O mtu -s "$D/mtu.sh"
        """;

    [PrivilegedFact]
    public void Dnsmasq_gives_the_primary_nics_mtu_as_option_26() => GivesTheUplinkMtu("dnsmasq");

    [PrivilegedFact]
    public void The_embedded_server_gives_the_primary_nics_mtu_as_option_26() => GivesTheUplinkMtu("embedded");

    private static void GivesTheUplinkMtu(string backend)
    {
        using var sandbox = new Sandbox();
        sandbox.InNamespace(sandbox.Node, "ip", "link", "set", "up0", "mtu", "1460");
        var adopt = sandbox.CocoonNet("adopt", "--node-name", "sandbox", "--subnet", "172.20.0.0/24", "--manage-iptables", "--dhcp", backend);
        Assert.True(adopt.ExitCode == 0, adopt.ToString());
        Assert.Contains("~ set cni0 mtu 1500 -> 1460", adopt.Stdout, StringComparison.Ordinal);
        using var agent = backend == "embedded" ? new AgentProcess(sandbox, []) : null;
        Assert.True(agent?.WaitForReady() ?? true, agent?.Output);
        using var clients = new DhcpClients();
        var vm = sandbox.AddVm();
        var run = clients.Confined(vm, PrintMtu);
        Assert.True(run.ExitCode == 0, $"{run}\n{agent?.Output}");
        Assert.Contains("mtu=1460", run.Stdout, StringComparison.Ordinal);
    }
}
