using System.Text.Json.Nodes;
using CocoonNet.Tests.Support;
using static CocoonNet.Tests.Integration.IsolationNode;

namespace CocoonNet.Tests.Integration;

/// <summary>
/// The MTU path on a node whose uplink is 1460 (GCE's): cni0, the conflist's bridge (so the CNI plugin's veths) and DHCP
/// option 26 (udhcpc and dhclient, both backends) all say 1460, and an unfragmentable 1460-byte packet from a VM crosses
/// the NAT whole while 1461 bytes do not; <c>--mtu 1400</c> overrides all three; <c>--mtu</c> above the uplink's is
/// refused (exit 2, one line) before anything changes.
/// </summary>
[Collection(IsolationCollection.Name)]
public sealed partial class UplinkMtuTests
{
    private const int GceMtu = 1460;
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(2);

    [PrivilegedFact]
    public void Dnsmasq_node_on_a_1460_uplink_gives_its_vms_1460_everywhere() => MtuEverywhere("dnsmasq", GceMtu);

    [PrivilegedFact]
    public void Embedded_node_on_a_1460_uplink_gives_its_vms_1460_everywhere() => MtuEverywhere("embedded", GceMtu);

    [PrivilegedFact]
    public void Dnsmasq_mtu_1400_overrides_the_uplinks() => MtuEverywhere("dnsmasq", 1400, "--mtu", "1400");

    [PrivilegedFact]
    public void Embedded_mtu_1400_overrides_the_uplinks() => MtuEverywhere("embedded", 1400, "--mtu", "1400");

    [PrivilegedFact]
    public void Mtu_above_the_uplinks_is_refused_before_anything_changes()
    {
        using var node = Bare("dnsmasq", GceMtu);
        var sandbox = node.Sandbox;
        var fresh = node.Adopt("--mtu", "1500");
        AssertRefused(fresh, "fresh node");
        Assert.DoesNotContain("cni0", sandbox.Links(sandbox.Node));
        Assert.False(File.Exists(Path.Combine(sandbox.StateDirectory, "pool.json")), "pool.json written by a refused adopt");

        var adopt = node.Adopt();
        Assert.True(adopt.ExitCode == 0, adopt.ToString());
        var pool = File.ReadAllText(Path.Combine(sandbox.StateDirectory, "pool.json"));
        var conflist = File.ReadAllText(CniBridgePlugin.ConflistPath(sandbox));
        var rules = sandbox.IptablesSave();
        AssertRefused(node.Adopt("--mtu", "1500"), "adopted node");
        Assert.Equal(GceMtu, sandbox.Mtu(sandbox.Node, "cni0"));
        Assert.Equal(pool, File.ReadAllText(Path.Combine(sandbox.StateDirectory, "pool.json")));
        Assert.Equal(conflist, File.ReadAllText(CniBridgePlugin.ConflistPath(sandbox)));
        Assert.Equal(rules, sandbox.IptablesSave());

        // Out of range whatever the uplink: refused the same way.
        foreach (var mtu in new[] { "575", "9001", "abc" })
        {
            AssertRefused(node.Adopt("--mtu", mtu), $"--mtu {mtu}");
        }

        static void AssertRefused(CommandResult result, string context)
        {
            Assert.True(result.ExitCode == 2, $"{context}: {result}");
            // The sandbox runs cocoon-net with debug logs on stderr: what the operator reads is the rest.
            var errors = result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                .Where(l => !LogLine().IsMatch(l)).ToList();
            Assert.True(errors.Count == 1 && errors[0].Contains("mtu", StringComparison.OrdinalIgnoreCase), $"{context}: not one clear line: {result}");
        }
    }

    private static void MtuEverywhere(string backend, int expected, params string[] flags)
    {
        Assert.Null(CniBridgePlugin.WhyMissing());
        using var node = Start(backend, GceMtu, flags);
        var sandbox = node.Sandbox;
        Assert.Equal(expected, sandbox.Mtu(sandbox.Node, "cni0"));
        Assert.Equal(expected, (int?)CniBridgePlugin.BridgeObject(sandbox)["mtu"]);
        var status = sandbox.CocoonNet("status", "--output", "json");
        Assert.True(status.ExitCode == 0, status.ToString());
        var mtu = JsonNode.Parse(status.Stdout)!["bridge"]?["mtu"];
        Assert.True(mtu is not null && (int?)mtu["expected"] == expected && (int?)mtu["actual"] == expected, $"{backend}: status: {status.Stdout}");

        foreach (var client in new[] { DhcpClient.Udhcpc, DhcpClient.Dhclient })
        {
            var vm = sandbox.AddCniVm();
            // The plugin made both ends of the veth with the conflist's MTU.
            Assert.Equal(expected, sandbox.Mtu(vm.Vm, "eth0"));
            Assert.Equal(expected, sandbox.Mtu(sandbox.Node, vm.HostPort));
            var offer = node.Clients.BindAskingMtu(vm.Vm, client);
            Assert.True(offer.Address is not null, $"{backend}: {client} got no address: {offer.Run}\n{node.AgentOutput}");
            Assert.True(offer.ScriptMtu == $"{expected}", $"{backend}: {client}'s script saw option 26 = '{offer.ScriptMtu}', not {expected}: {offer.Run}");
            if (client == DhcpClient.Dhclient)
            {
                Assert.True(offer.LeaseFileMtu == $"{expected}", $"{backend}: dhclient's lease file says interface-mtu '{offer.LeaseFileMtu}'");
            }

            Assert.True(node.Reaches(vm.Vm, OutsideAddress.ToString()), $"{backend}: {client}'s VM cannot reach the outside\n{node.AgentOutput}");
            // A full-size unfragmentable packet crosses the NAT (the outside sees the node's address); one byte more does not.
            Assert.Equal(NodeUplinkAddress, DatagramProbe.Send(vm.Vm, sandbox.Outside, OutsideAddress, expected, Wait));
            Assert.Null(DatagramProbe.Send(vm.Vm, sandbox.Outside, OutsideAddress, expected + 1, Wait));
        }
    }

    [System.Text.RegularExpressions.GeneratedRegex(@"^\d{4}-\d\d-\d\dT\S+ (DBG|INF|WRN) ")]
    private static partial System.Text.RegularExpressions.Regex LogLine();
}
