using System.Net;
using CocoonNet.Tests.Support;
using Xunit.Abstractions;

namespace CocoonNet.Tests.Integration;

/// <summary>
/// A /24 pool of 253 addresses fully leased by 253 distinct MACs asking at once (macvlans on one VM's eth0, one udhcpc
/// each): all bound to distinct addresses with 253 routes; the 254th MAC gets nothing until an address is freed, and
/// then gets that one at once (the cooldown yields when nothing else is free).
/// </summary>
[Collection(NamespaceCollection.Name)]
public sealed class EmbeddedDhcpFullPoolTests(ITestOutputHelper log)
{
    [PrivilegedFact]
    public void Two_hundred_fifty_three_macs_lease_the_whole_pool_and_the_next_one_waits_for_a_release()
    {
        using var node = new EmbeddedDhcpNode();
        var vm = node.Sandbox.AddVm();
        var macs = Enumerable.Range(0, 254).Select(i => DhcpClients.TestMac(0x1000 + i)).ToList();
        var watch = System.Diagnostics.Stopwatch.StartNew();
        var bound = node.Clients.BindMany(vm, macs[..253], parallel: 32, TimeSpan.FromMinutes(3));
        log.WriteLine($"253 clients bound in {watch.Elapsed.TotalSeconds:F1} s");

        Assert.True(bound.Count == 253, $"{bound.Count} of 253 bound\n{node.Agent.Output[^Math.Min(4000, node.Agent.Output.Length)..]}");
        Assert.Equal(253, bound.Values.Distinct().Count());
        var subnet = IPNetwork.Parse(EmbeddedDhcpNode.Subnet);
        Assert.All(bound.Values, ip => Assert.True(subnet.Contains(IPAddress.Parse(ip)) && ip is not "172.20.0.0" and not "172.20.0.1" and not "172.20.0.255", ip));
        var leases = node.Leases();
        Assert.Equal(253, leases.Count);
        Assert.All(bound, b => Assert.Equal(b.Value, leases.Single(l => l.Mac == macs[b.Key]).Ip.ToString()));
        Assert.Equal(253, EmbeddedDhcpNode.RouteAddresses(node.Sandbox).Count);
        node.AssertRoutesMatchLeases("pool full");

        var last = node.Clients.BindMany(vm, macs[253..], parallel: 1, TimeSpan.FromSeconds(30), first: 253, attempts: 2);
        Assert.Empty(last);
        Assert.DoesNotContain(node.Leases(), l => l.Mac == macs[253]);

        Assert.Equal(204, node.DeleteLease(macs[0]));
        var freed = bound[0];
        var again = node.Clients.BindMany(vm, macs[253..], parallel: 1, TimeSpan.FromSeconds(30), first: 253, attempts: 2, create: false);
        Assert.Equal(freed, Assert.Single(again).Value);
        node.AssertRoutesMatchLeases("the freed address leased again");
        Assert.False(node.Agent.HasExited, node.Agent.Output);
    }
}
