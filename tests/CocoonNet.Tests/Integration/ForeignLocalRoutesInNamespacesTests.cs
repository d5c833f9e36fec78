using CocoonNet.Tests.Support;

namespace CocoonNet.Tests.Integration;

/// <summary>
/// GKE's newer guest agent adds a protocol-66 <c>local</c> route for the alias range,
/// which makes the node take the VMs' addresses for its own. Every host run removes such routes on any device but cni0.
/// </summary>
[Collection(NamespaceCollection.Name)]
public sealed class ForeignLocalRoutesInNamespacesTests
{
    private static readonly string[] Adopt = ["adopt", "--node-name", "sandbox", "--subnet", "172.20.0.0/24", "--manage-iptables"];

    [PrivilegedFact]
    public void Adopt_deletes_local_routes_for_the_vm_range_on_other_devices_and_keeps_the_rest()
    {
        using var sandbox = new Sandbox();
        sandbox.InNamespace(sandbox.Node, "ip", "link", "add", "gag0", "type", "veth", "peer", "name", "gag1");
        sandbox.InNamespace(sandbox.Node, "ip", "link", "set", "gag0", "up");
        sandbox.InNamespace(sandbox.Node, "ip", "route", "add", "local", "172.20.0.0/24", "dev", "gag0", "table", "local", "proto", "66");
        sandbox.InNamespace(sandbox.Node, "ip", "route", "add", "local", "172.20.0.128/25", "dev", "up0", "table", "local", "proto", "66");
        sandbox.InNamespace(sandbox.Node, "ip", "route", "add", "local", "198.51.100.0/24", "dev", "gag0", "table", "local", "proto", "66");

        var dryRun = sandbox.CocoonNet([.. Adopt, "--dry-run"]);
        Assert.True(dryRun.ExitCode == 0, dryRun.ToString());
        Assert.Contains("- delete local route 172.20.0.0/24 on gag0 (a local route for the VM range on another device black-holes VM traffic)", dryRun.Stdout);
        Assert.Contains("- delete local route 172.20.0.128/25 on up0", dryRun.Stdout);
        Assert.Contains("172.20.0.0/24", LocalTable(sandbox));

        var adopt = sandbox.CocoonNet(Adopt);
        Assert.True(adopt.ExitCode == 0, adopt.ToString());
        Assert.Contains("routes    - delete local route 172.20.0.0/24 on gag0 (a local route for the VM range on another device black-holes VM traffic)", adopt.Stdout);
        Assert.Contains("routes    - delete local route 172.20.0.128/25 on up0", adopt.Stdout);
        var table = LocalTable(sandbox);
        Assert.DoesNotContain("172.20.0.0/24", table);
        Assert.DoesNotContain("172.20.0.128/25", table);
        Assert.Contains("local 198.51.100.0/24 dev gag0", table);
        // cni0's own address and broadcast stay.
        Assert.Contains("local 172.20.0.1 dev cni0", table);
        Assert.Contains("broadcast 172.20.0.255 dev cni0", table);

        var again = sandbox.CocoonNet(Adopt);
        Assert.True(again.ExitCode == 0, again.ToString());
        Assert.StartsWith("no changes: the host already matches", again.Stdout);
    }

    private static string LocalTable(Sandbox sandbox) =>
        sandbox.InNamespace(sandbox.Node, "ip", "-4", "route", "show", "table", "local");
}
