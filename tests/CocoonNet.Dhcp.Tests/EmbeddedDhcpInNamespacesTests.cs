using System.Net;
using CocoonNet.Tests.Support;
using static CocoonNet.Tests.Integration.EmbeddedDhcpNode;

namespace CocoonNet.Tests.Integration;

/// <summary>
/// The agent's embedded DHCP server against real clients (busybox udhcpc, ISC dhclient, dhcpcd, run confined), hand-made
/// malformed datagrams and vk-cocoon's own client code, on one sandbox node for the class: each test brings its VMs
/// and MACs of its own, and checks leases.json and the per-lease /32 routes the server keeps.
/// </summary>
[Collection(NamespaceCollection.Name)]
public sealed class EmbeddedDhcpInNamespacesTests(EmbeddedDhcpNode node) : IClassFixture<EmbeddedDhcpNode>
{
    [PrivilegedFact]
    public void Udhcpc_dhclient_and_dhcpcd_each_bind_and_their_lease_and_route_exist_by_then()
    {
        var subnet = IPNetwork.Parse(EmbeddedDhcpNode.Subnet);
        var bound = new HashSet<string>();
        foreach (var (client, n) in new[] { (DhcpClient.Udhcpc, 0x11), (DhcpClient.Dhclient, 0x12), (DhcpClient.Dhcpcd, 0x13) })
        {
            var mac = DhcpClients.TestMac(n);
            var vm = node.AddVm(mac);
            var address = node.Clients.Bind(vm, client, null, out var run);
            Assert.True(address is not null, $"{client} got no address: {run}\n{node.Agent.Output}");
            Assert.True(subnet.Contains(IPAddress.Parse(address)) && address != "172.20.0.1", $"{client}: {address}");
            Assert.True(bound.Add(address), $"{client} got {address}, which another client holds");

            // Written before the ACK: there by the time the client has configured the address.
            var lease = node.LeaseOf(mac);
            Assert.True(lease is not null && lease.Ip.ToString() == address, $"{client}: leases.json {File.ReadAllText(node.LeaseFilePath)}");
            Assert.Contains(address, EmbeddedDhcpNode.RouteAddresses(node.Sandbox));
            Assert.True(node.Sandbox.Ping(vm, "172.20.0.1"), $"{client}: {address} cannot reach the gateway");
        }

        node.AssertRoutesMatchLeases("three clients bound");
        Assert.False(node.Agent.HasExited, node.Agent.Output);
    }

    [PrivilegedFact]
    public void Leases_json_names_macs_in_lower_case_and_only_leased_addresses_are_routed()
    {
        var vm = node.AddVm("02:C0:C0:00:00:2A");
        Assert.NotNull(node.Clients.Bind(vm, DhcpClient.Udhcpc));
        Assert.Contains(node.Leases(), l => l.Mac == "02:c0:c0:00:00:2a");
        Assert.Contains("\"02:c0:c0:00:00:2a\"", File.ReadAllText(node.LeaseFilePath), StringComparison.Ordinal);
        // No pool of 253 routes as with dnsmasq: one per lease, none for a free address.
        node.AssertRoutesMatchLeases("after one more lease");
        Assert.True(EmbeddedDhcpNode.RouteAddresses(node.Sandbox).Count < 253);
    }

    [PrivilegedFact]
    public void The_same_mac_gets_its_address_back_after_a_release_and_a_fresh_discover()
    {
        var mac = DhcpClients.TestMac(0x21);
        var vm = node.AddVm(mac);
        var first = node.Clients.Bind(vm, DhcpClient.Udhcpc);
        Assert.NotNull(first);
        Assert.Equal(first, node.Clients.BindAndRelease(vm, first));
        // A RELEASE has no answer: the client is gone before the server has read it.
        Assert.True(Eventually(() => node.LeaseOf(mac) is null, TimeSpan.FromSeconds(3)), File.ReadAllText(node.LeaseFilePath));
        Assert.DoesNotContain(first, EmbeddedDhcpNode.RouteAddresses(node.Sandbox));

        // A plain DISCOVER (no address asked for), as from a VM that lost its lease file.
        Assert.Equal(first, node.Clients.Bind(vm, DhcpClient.Udhcpc));
        node.AssertRoutesMatchLeases("sticky");
    }

    [PrivilegedFact]
    public void A_released_address_is_not_given_to_another_mac_within_the_cooldown_even_when_asked_for()
    {
        var released = node.AddVm(DhcpClients.TestMac(0x31));
        var address = node.Clients.Bind(released, DhcpClient.Udhcpc);
        Assert.NotNull(address);
        Assert.Equal(address, node.Clients.BindAndRelease(released, address));
        Assert.True(Eventually(() => node.LeaseOf(DhcpClients.TestMac(0x31)) is null, TimeSpan.FromSeconds(3)), File.ReadAllText(node.LeaseFilePath));

        var other = node.AddVm(DhcpClients.TestMac(0x32));
        var got = node.Clients.Bind(other, DhcpClient.Udhcpc, address, out var run);
        Assert.True(got is not null, run.ToString());
        Assert.NotEqual(address, got);
        // The MAC that held it may have it back at once.
        Assert.Equal(address, node.Clients.Bind(released, DhcpClient.Udhcpc, address, out _));
        node.AssertRoutesMatchLeases("cooldown");
    }

    [PrivilegedFact]
    public void A_declined_address_loses_its_lease_and_route_and_is_set_aside()
    {
        var mac = DhcpClients.TestMac(0x41);
        var vm = node.AddVm(mac);
        var taken = node.Clients.Bind(vm, DhcpClient.Udhcpc);
        Assert.NotNull(taken);
        Assert.Equal(204, node.DeleteLease(mac));

        // Something else answers ARP for the address; udhcpc -a, offered it again (sticky), declines it and starts over.
        // VMs' ports are isolated from each other, so the squatter is the node itself (an address of its own on cni0).
        string? got;
        CommandResult run;
        try
        {
            node.Sandbox.InNamespace(node.Sandbox.Node, "ip", "addr", "add", $"{taken}/32", "dev", "cni0");
            got = node.Clients.BindWithArpCheck(vm, taken, out run);
        }
        finally
        {
            Shell.Run("ip", ["netns", "exec", node.Sandbox.Node, "ip", "addr", "del", $"{taken}/32", "dev", "cni0"]);
        }

        Assert.True(got is not null && got != taken, $"expected another address than {taken}, got {got}: {run}\n{node.Agent.Output}");
        Assert.DoesNotContain(node.Leases(), l => l.Ip.ToString() == taken);
        Assert.DoesNotContain(taken, EmbeddedDhcpNode.RouteAddresses(node.Sandbox));

        // Set aside for everyone, the decliner included, even with the squatter gone.
        Assert.NotEqual(taken, node.Clients.Bind(vm, DhcpClient.Udhcpc, taken, out _));
        node.AssertRoutesMatchLeases("decline");
    }

    [PrivilegedFact]
    public void Inform_is_answered_with_options_and_leases_nothing()
    {
        var mac = DhcpClients.TestMac(0x51);
        var vm = node.AddVm(mac);
        var before = node.Leases().Count;
        // INFORM comes from a client configured by hand, whose address no lease gave: anti-spoofing drops it by design.
        // Off for this exchange (the running agent follows the re-adopt), on again after.
        AntiSpoofing(false);
        try
        {
            var inform = node.Clients.Inform(vm, "172.20.0.240/24");
            Assert.True(inform.ExitCode == 0 && node.Clients.DhcpcdEvents.Contains("INFORM 172.20.0.240", StringComparison.Ordinal),
                $"{inform}\n{node.Clients.DhcpcdEvents}\n{node.Agent.Output}");
        }
        finally
        {
            AntiSpoofing(true);
        }

        Assert.Null(node.LeaseOf(mac));
        Assert.Equal(before, node.Leases().Count);
        Assert.DoesNotContain("172.20.0.240", EmbeddedDhcpNode.RouteAddresses(node.Sandbox));
    }

    private void AntiSpoofing(bool on)
    {
        var adopt = node.Sandbox.CocoonNet([.. EmbeddedDhcpNode.Adopt, $"--anti-spoofing={(on ? "true" : "false")}"]);
        Assert.True(adopt.ExitCode == 0, adopt.ToString());
    }

    [PrivilegedFact]
    public void Malformed_datagrams_are_dropped_without_a_crash_or_a_lease_and_clients_still_bind()
    {
        var vm = node.AddVm(DhcpClients.TestMac(0x61));
        var wanted = IPAddress.Parse("172.20.0.200");
        var cases = DhcpPackets.Malformed(i => DhcpClients.TestMac(0x600 + i), wanted);
        DhcpPackets.Send(vm, EmbeddedDhcpNode.Gateway, cases.Select(c => c.Packet));

        // The same sender's well-formed exchange is served: the datagrams above did reach the server.
        var control = DhcpPackets.Exchange(vm, DhcpClients.TestMac(0x62), TimeSpan.FromSeconds(5));
        Assert.True(control is not null, $"no ACK to a well-formed exchange from the sender\n{node.Agent.Output}");
        Assert.False(node.Agent.HasExited, node.Agent.Output);
        var leased = node.Leases().Select(l => l.Mac).ToHashSet();
        var wrongly = cases.Where(c => leased.Contains(c.Mac)).Select(c => c.Name).ToList();
        Assert.True(wrongly.Count == 0, $"leased from malformed datagrams: {string.Join(", ", wrongly)}");
        Assert.DoesNotContain(node.Leases(), l => l.Ip.Equals(wanted));

        var client = node.AddVm(DhcpClients.TestMac(0x63));
        Assert.NotNull(node.Clients.Bind(client, DhcpClient.Udhcpc));
        node.AssertRoutesMatchLeases("after malformed datagrams");
    }

    [VkClientFact]
    public void Vk_cocoons_client_finds_a_vm_by_mac_and_releases_it_over_the_control_socket()
    {
        var mac = DhcpClients.TestMac(0x71);
        var vm = node.AddVm(mac);
        var address = node.Clients.Bind(vm, DhcpClient.Udhcpc);
        Assert.NotNull(address);

        // vk-cocoon compares MACs case-insensitively: ask in upper case.
        var lookup = VkClient.Lookup(node.Sandbox.Node, node.LeaseFilePath, mac.ToUpperInvariant());
        Assert.True(lookup.ExitCode == 0 && lookup.Stdout.StartsWith(address + " ", StringComparison.Ordinal), lookup.ToString());

        var release = VkClient.Release(node.Sandbox.Node, node.ControlSocket, mac);
        Assert.True(release.ExitCode == 0 && release.Stdout.Trim() == "released", release.ToString());
        // Gone before the 204: no waiting.
        Assert.Null(node.LeaseOf(mac));
        Assert.DoesNotContain(address, EmbeddedDhcpNode.RouteAddresses(node.Sandbox));
        Assert.Equal(3, VkClient.Lookup(node.Sandbox.Node, node.LeaseFilePath, mac).ExitCode);

        // 204 whether or not a lease existed.
        Assert.Equal(0, VkClient.Release(node.Sandbox.Node, node.ControlSocket, mac).ExitCode);
        node.AssertRoutesMatchLeases("after vk-cocoon's release");
    }

    [PrivilegedFact]
    public void The_dhcp_series_are_exported_and_pass_promtool()
    {
        var vm = node.AddVm(DhcpClients.TestMac(0x81));
        Assert.NotNull(node.Clients.Bind(vm, DhcpClient.Udhcpc));
        var metrics = node.Metrics();
        Assert.Matches(@"(?m)^cocoon_net_dhcp_lease_total\{result=""ok""\} [1-9]", metrics);
        Assert.Matches(@"(?m)^cocoon_net_dhcp_lease_total\{result=""failed""\} \d", metrics);
        var active = node.Leases().Count(l => l.IsActive(DateTimeOffset.UtcNow));
        Assert.Matches($@"(?m)^cocoon_net_dhcp_lease_active {active}$", metrics);
        // Free addresses: at most the pool less the leases (a declined one is set aside, an offered one held).
        var available = System.Text.RegularExpressions.Regex.Match(metrics, @"(?m)^cocoon_net_dhcp_pool_available (\d+)$");
        Assert.True(available.Success && int.Parse(available.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) <= 253 - active, metrics);

        var file = Path.Combine(node.Sandbox.Root, "metrics.txt");
        File.WriteAllText(file, metrics);
        try
        {
            var check = Shell.Run("sh", ["-c", $"promtool check metrics < '{file}'"]);
            Assert.True(check.ExitCode == 0, $"{check}\n{metrics}");
        }
        finally
        {
            File.Delete(file);
        }
    }

    [PrivilegedFact]
    public void A_lease_deleted_over_the_control_socket_is_gone_with_its_route_before_the_204()
    {
        var mac = DhcpClients.TestMac(0x91);
        var vm = node.AddVm(mac);
        var address = node.Clients.Bind(vm, DhcpClient.Dhclient);
        Assert.NotNull(address);
        Assert.Equal(204, node.DeleteLease(mac));
        Assert.Null(node.LeaseOf(mac));
        Assert.DoesNotContain(address, EmbeddedDhcpNode.RouteAddresses(node.Sandbox));
        Assert.Equal(400, node.DeleteLease("not-a-mac"));
        Assert.False(node.Agent.HasExited, node.Agent.Output);
    }
}
