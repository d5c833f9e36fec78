using System.Net;
using CocoonNet.Node.Dhcp.Embedded;
using CocoonNet.Node.Leases;
using Microsoft.Extensions.Logging;
using static CocoonNet.Tests.Unit.Dhcp.DhcpServerHarness;

namespace CocoonNet.Tests.Unit.Dhcp;

public sealed class DhcpServerCoreTests
{
    private static readonly string A = Mac(1);
    private static readonly string B = Mac(2);

    [Fact]
    public async Task Discover_offers_the_first_free_address_with_every_option()
    {
        using var h = new DhcpServerHarness();
        var offer = await h.DiscoverAsync(A);

        Assert.NotNull(offer);
        Assert.Equal(DhcpMessageType.Offer, offer.Type);
        Assert.Equal(Ip(10), offer.Yiaddr);
        Assert.Equal(new IPEndPoint(IPAddress.Broadcast, 68), offer.Destination);
        Assert.Equal(3600u, offer.LeaseSeconds);
        Assert.Equal(Server.GetAddressBytes(), offer.Option(54));
        Assert.Equal(Server.GetAddressBytes(), offer.Option(3));
        Assert.Equal(new byte[] { 255, 255, 255, 0 }, offer.Option(1));
        Assert.Equal(DnsServer.GetAddressBytes(), offer.Option(6));
        Assert.Null(offer.Option(26));
        Assert.Equal(0, h.Journal.Saves); // an offer is not a lease
        Assert.Empty(h.Routes.Routes);
        Assert.Equal(4, h.Core.Available);
    }

    [Fact]
    public async Task An_offer_is_byte_exact()
    {
        using var h = new DhcpServerHarness();
        var offer = await h.DiscoverAsync(A);

        var expected = Convert.FromHexString(
            "02010600" + "12345678" + "0000" + "0000" + "00000000" + "0a00000a" + "00000000" + "00000000"
            + "525400000001" + new string('0', 20) + new string('0', 128) + new string('0', 256)
            + "63825363"
            + "350102" + "36040a000001" + "330400000e10" + "3a0400000708" + "3b0400000c4e"
            + "0104ffffff00" + "03040a000001" + "06040a000035" + "ff");
        Assert.Equal(300, offer!.Bytes.Length);
        Assert.Equal(expected, offer.Bytes[..expected.Length]);
        Assert.All(offer.Bytes[expected.Length..], b => Assert.Equal(0, b));
    }

    [Fact]
    public async Task Mtu_and_no_dns_change_the_options()
    {
        var recorder = new DhcpRecorder();
        using var core = new DhcpServerCore(
            SettingsOf(5) with { Dns = [], Mtu = 1450 }, new FakeRoutes(recorder), new FakeJournal(recorder),
            TimeProvider.System, Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance);
        var offer = DhcpAnswer.Of((await core.HandleAsync(DhcpPacket.Of(DhcpMessageType.Discover, A).Build(), default))!);

        Assert.Null(offer.Option(6));
        Assert.Equal(new byte[] { 0x05, 0xaa }, offer.Option(26));
    }

    [Fact]
    public async Task Selecting_persists_then_routes_then_acks()
    {
        using var h = new DhcpServerHarness();
        var offer = await h.DiscoverAsync(A);
        h.Recorder.Calls.Clear();

        var ack = await h.SendAsync(DhcpPacket.Of(DhcpMessageType.Request, A, offer!.Yiaddr, Server));

        Assert.Equal(DhcpMessageType.Ack, ack!.Type);
        Assert.Equal(Ip(10), ack.Yiaddr);
        Assert.Equal(3600u, ack.LeaseSeconds);
        Assert.Equal(["save 52:54:00:00:00:01=10.0.0.10", "route add 10.0.0.10", "reply Ack"], h.Recorder.Calls);
        var lease = Assert.Single(h.Core.Leases());
        Assert.Equal(new Lease(A, Ip(10), h.Time.GetUtcNow() + TimeSpan.FromHours(1)), lease);
        Assert.Equal(1, h.Core.Active);
        Assert.Equal(4, h.Core.Available);
        Assert.Equal(1, h.Core.LeasesOk);
        Assert.Equal(0, h.Core.LeasesFailed);
    }

    [Fact]
    public async Task A_request_for_another_server_frees_the_offer_without_a_reply()
    {
        using var h = new DhcpServerHarness();
        var offer = await h.DiscoverAsync(A);

        var reply = await h.SendAsync(DhcpPacket.Of(DhcpMessageType.Request, A, offer!.Yiaddr, IPAddress.Parse("10.0.0.2")));

        Assert.Null(reply);
        Assert.Empty(h.Core.Leases());
        Assert.Equal(5, h.Core.Available);
        Assert.Equal(0, h.Core.LeasesFailed);
        Assert.Equal(Ip(10), (await h.DiscoverAsync(B))!.Yiaddr);
    }

    [Fact]
    public async Task Selecting_an_address_offered_to_another_client_is_naked_by_broadcast()
    {
        using var h = new DhcpServerHarness();
        var offer = await h.DiscoverAsync(A);

        var nak = await h.SendAsync(DhcpPacket.Of(DhcpMessageType.Request, B, offer!.Yiaddr, Server));

        Assert.Equal(DhcpMessageType.Nak, nak!.Type);
        Assert.Equal(IPAddress.Any, nak.Yiaddr);
        Assert.Null(nak.Option(51));
        Assert.Equal(new IPEndPoint(IPAddress.Broadcast, 68), nak.Destination);
        Assert.Equal(1, h.Core.LeasesFailed);
        Assert.Empty(h.Core.Leases());
    }

    [Fact]
    public async Task Selecting_a_free_address_without_an_offer_is_acked()
    {
        using var h = new DhcpServerHarness();
        var ack = await h.SendAsync(DhcpPacket.Of(DhcpMessageType.Request, A, Ip(12), Server));
        Assert.Equal(DhcpMessageType.Ack, ack!.Type);
        Assert.Equal(Ip(12), ack.Yiaddr);
    }

    [Fact]
    public async Task Init_reboot_acks_the_clients_lease_and_a_free_address()
    {
        using var h = new DhcpServerHarness();
        var ip = await h.LeaseAsync(A);

        var again = await h.SendAsync(DhcpPacket.Of(DhcpMessageType.Request, A, ip));
        var fresh = await h.SendAsync(DhcpPacket.Of(DhcpMessageType.Request, B, Ip(13)));

        Assert.Equal((DhcpMessageType.Ack, ip), (again!.Type, again.Yiaddr));
        Assert.Equal((DhcpMessageType.Ack, Ip(13)), (fresh!.Type, fresh.Yiaddr));
        Assert.Equal(2, h.Core.Active);
    }

    [Theory]
    [InlineData("192.168.1.10")] // another subnet: the VM moved
    [InlineData("10.0.0.10")] // leased to another client
    [InlineData("10.0.0.200")] // in the subnet, not in the pool
    [InlineData("10.0.0.1")] // the gateway
    public async Task Init_reboot_naks_an_address_it_cannot_give(string requested)
    {
        using var h = new DhcpServerHarness();
        await h.LeaseAsync(B);

        var nak = await h.SendAsync(DhcpPacket.Of(DhcpMessageType.Request, A, IPAddress.Parse(requested)));

        Assert.Equal(DhcpMessageType.Nak, nak!.Type);
        Assert.Equal(new IPEndPoint(IPAddress.Broadcast, 68), nak.Destination);
        Assert.DoesNotContain(h.Core.Leases(), l => l.Mac == A);
        Assert.Equal(1, h.Core.LeasesFailed);
    }

    [Fact]
    public async Task Init_reboot_with_another_address_than_the_lease_is_naked()
    {
        using var h = new DhcpServerHarness();
        var ip = await h.LeaseAsync(A);

        var nak = await h.SendAsync(DhcpPacket.Of(DhcpMessageType.Request, A, Ip(14)));

        Assert.Equal(DhcpMessageType.Nak, nak!.Type);
        Assert.Equal(ip, Assert.Single(h.Core.Leases()).Ip);
    }

    [Fact]
    public async Task Renewing_extends_the_lease_and_answers_by_unicast()
    {
        using var h = new DhcpServerHarness();
        var ip = await h.LeaseAsync(A);
        h.Time.Advance(TimeSpan.FromMinutes(30));
        h.Recorder.Calls.Clear();

        var ack = await h.SendAsync(DhcpPacket.Of(DhcpMessageType.Request, A, ciaddr: ip));

        Assert.Equal(DhcpMessageType.Ack, ack!.Type);
        Assert.Equal(ip, ack.Yiaddr);
        Assert.Equal(ip, ack.Ciaddr);
        Assert.Equal(new IPEndPoint(ip, 68), ack.Destination);
        Assert.Equal(h.Time.GetUtcNow() + TimeSpan.FromHours(1), Assert.Single(h.Core.Leases()).Expiry);
        Assert.Equal([$"save {A}={ip}", $"route add {ip}", "reply Ack"], h.Recorder.Calls);
        Assert.Equal(2, h.Core.LeasesOk); // every ACK counts, renewals too
    }

    [Fact]
    public async Task Rebinding_through_a_relay_answers_the_relay()
    {
        using var h = new DhcpServerHarness();
        var ip = await h.LeaseAsync(A);
        var relay = IPAddress.Parse("10.9.0.1");

        var ack = await h.SendAsync(DhcpPacket.Of(DhcpMessageType.Request, A, ciaddr: ip) with { Giaddr = relay, Flags = 0x8000 });

        Assert.Equal(DhcpMessageType.Ack, ack!.Type);
        Assert.Equal(new IPEndPoint(relay, 67), ack.Destination);
        Assert.Equal(new byte[] { 0x80, 0x00 }, ack.Bytes[10..12]);
        Assert.Equal(relay.GetAddressBytes(), ack.Bytes[24..28]);
    }

    [Fact]
    public async Task Renewing_an_address_that_is_not_the_clients_lease_is_naked()
    {
        using var h = new DhcpServerHarness();
        var ip = await h.LeaseAsync(A);

        var nak = await h.SendAsync(DhcpPacket.Of(DhcpMessageType.Request, B, ciaddr: ip));

        Assert.Equal(DhcpMessageType.Nak, nak!.Type);
        Assert.Equal(A, Assert.Single(h.Core.Leases()).Mac);
    }

    [Fact]
    public async Task A_request_naming_no_address_gets_no_reply()
    {
        using var h = new DhcpServerHarness();
        Assert.Null(await h.SendAsync(DhcpPacket.Of(DhcpMessageType.Request, A)));
        Assert.Equal((0, 0), (h.Core.LeasesOk, h.Core.LeasesFailed));
    }

    [Fact]
    public async Task A_discover_with_a_lease_offers_the_lease()
    {
        using var h = new DhcpServerHarness();
        var ip = await h.LeaseAsync(A);
        Assert.Equal(ip, (await h.DiscoverAsync(A))!.Yiaddr);
        Assert.Equal(4, h.Core.Available);
    }

    [Fact]
    public async Task A_discover_honours_a_free_requested_address_and_rapid_commit_still_gets_an_offer()
    {
        using var h = new DhcpServerHarness();
        var offer = await h.SendAsync(DhcpPacket.Of(DhcpMessageType.Discover, A, Ip(13)).With(80, []));

        Assert.Equal(DhcpMessageType.Offer, offer!.Type);
        Assert.Equal(Ip(13), offer.Yiaddr);
        Assert.Empty(h.Core.Leases());
    }

    [Fact]
    public async Task A_requested_or_previous_address_that_is_taken_is_not_offered()
    {
        using var h = new DhcpServerHarness();
        var ip = await h.LeaseAsync(A); // .10
        await h.ReleaseAsync(A, ip);
        h.Time.Advance(TimeSpan.FromSeconds(31));
        Assert.Equal(DhcpMessageType.Ack, (await h.SendAsync(DhcpPacket.Of(DhcpMessageType.Request, B, ip)))!.Type);

        var offer = await h.DiscoverAsync(A, requested: ip);

        Assert.Equal(Ip(11), offer!.Yiaddr);
    }

    [Fact]
    public async Task An_offer_is_held_for_a_minute_then_given_to_others()
    {
        using var h = new DhcpServerHarness(poolSize: 1);
        await h.DiscoverAsync(A);

        Assert.Null(await h.DiscoverAsync(B));
        Assert.Equal(Ip(10), (await h.DiscoverAsync(A))!.Yiaddr); // the same client is offered it again

        h.Time.Advance(TimeSpan.FromSeconds(61));
        Assert.Equal(Ip(10), (await h.DiscoverAsync(B))!.Yiaddr);
    }

    [Fact]
    public async Task A_client_gets_its_previous_address_back_after_release_and_after_expiry()
    {
        using var h = new DhcpServerHarness();
        await h.LeaseAsync(B); // .10
        var ip = await h.LeaseAsync(A); // .11
        await h.ReleaseAsync(A, ip);
        h.Time.Advance(TimeSpan.FromMinutes(5));
        Assert.Equal(ip, await h.LeaseAsync(A));

        h.Time.Advance(TimeSpan.FromHours(2)); // both leases expire
        await h.Core.SweepAsync(default);
        Assert.Empty(h.Core.Leases());
        Assert.Equal(ip, await h.LeaseAsync(A));
        Assert.Equal(Ip(10), await h.LeaseAsync(B));
    }

    [Fact]
    public async Task A_released_address_cools_down_before_another_client_gets_it()
    {
        using var h = new DhcpServerHarness(poolSize: 2);
        var ip = await h.LeaseAsync(A); // .10
        await h.ReleaseAsync(A, ip);

        Assert.Equal(Ip(11), await h.LeaseAsync(B)); // .10 is cooling down, .11 is free
        var c = Mac(3);
        Assert.Equal(ip, (await h.DiscoverAsync(c))!.Yiaddr); // nothing else is free: the cooling one

        h.Time.Advance(TimeSpan.FromSeconds(61));
        var d = Mac(4);
        await h.ReleaseAsync(B, Ip(11));
        h.Time.Advance(TimeSpan.FromSeconds(31));
        Assert.Equal(Ip(10), (await h.DiscoverAsync(d))!.Yiaddr); // longest unused first
    }

    [Fact]
    public async Task A_cooling_address_requested_by_another_client_is_naked_while_others_are_free()
    {
        using var h = new DhcpServerHarness();
        var ip = await h.LeaseAsync(A);
        await h.ReleaseAsync(A, ip);

        var nak = await h.SendAsync(DhcpPacket.Of(DhcpMessageType.Request, B, ip));
        Assert.Equal(DhcpMessageType.Nak, nak!.Type);

        h.Time.Advance(TimeSpan.FromSeconds(31));
        var ack = await h.SendAsync(DhcpPacket.Of(DhcpMessageType.Request, B, ip));
        Assert.Equal(DhcpMessageType.Ack, ack!.Type);
    }

    [Fact]
    public async Task Release_ends_the_lease_journal_first_then_route()
    {
        using var h = new DhcpServerHarness();
        var ip = await h.LeaseAsync(A);
        h.Recorder.Calls.Clear();

        Assert.Null(await h.ReleaseAsync(A, ip));

        Assert.Equal(["save ", $"route del {ip}"], h.Recorder.Calls);
        Assert.Empty(h.Core.Leases());
        Assert.Empty(h.Routes.Routes);
        Assert.Equal(5, h.Core.Available);
    }

    [Fact]
    public async Task Release_is_honoured_only_from_the_leased_client()
    {
        using var h = new DhcpServerHarness();
        var ip = await h.LeaseAsync(A);
        var saves = h.Journal.Saves;

        await h.ReleaseAsync(B, ip); // another MAC
        await h.ReleaseAsync(A, Ip(14)); // another address
        await h.SendAsync(DhcpPacket.Of(DhcpMessageType.Release, A, server: IPAddress.Parse("10.0.0.2"), ciaddr: ip)); // another server

        Assert.Equal(ip, Assert.Single(h.Core.Leases()).Ip);
        Assert.Equal(saves, h.Journal.Saves);
        Assert.Contains(ip, h.Routes.Routes);
    }

    [Fact]
    public async Task The_control_socket_release_ends_a_lease_by_mac()
    {
        using var h = new DhcpServerHarness();
        var ip = await h.LeaseAsync(A);
        h.Recorder.Calls.Clear();

        Assert.True(await h.Core.ReleaseAsync("52-54-00-00-00-01", default));
        Assert.False(await h.Core.ReleaseAsync(A, default));
        Assert.False(await h.Core.ReleaseAsync("not a mac", default));

        Assert.Equal(["save ", $"route del {ip}"], h.Recorder.Calls);
        Assert.Empty(h.Core.Leases());
        Assert.NotEqual(ip, (await h.DiscoverAsync(B))!.Yiaddr); // cooling down
    }

    [Fact]
    public async Task A_declined_lease_is_ended_and_its_address_set_aside()
    {
        using var h = new DhcpServerHarness(poolSize: 2);
        var ip = await h.LeaseAsync(A);
        h.Recorder.Calls.Clear();

        Assert.Null(await h.SendAsync(DhcpPacket.Of(DhcpMessageType.Decline, A, ip, Server)));

        Assert.Equal(["save ", $"route del {ip}"], h.Recorder.Calls);
        Assert.Empty(h.Core.Leases());
        Assert.Equal(1, h.Core.Available);
        Assert.Equal(Ip(11), (await h.DiscoverAsync(A))!.Yiaddr); // not its previous address: that one was declined
        Assert.Null(await h.DiscoverAsync(B));
        Assert.Contains(h.Logger.Lines, l => l.Level == LogLevel.Warning && l.Message.Contains("pool exhausted", StringComparison.Ordinal));

        h.Time.Advance(TimeSpan.FromMinutes(10));
        Assert.Equal(ip, (await h.DiscoverAsync(B))!.Yiaddr);
    }

    [Fact]
    public async Task A_declined_offer_sets_the_address_aside_without_a_journal_write()
    {
        using var h = new DhcpServerHarness();
        var offer = await h.DiscoverAsync(A);

        await h.SendAsync(DhcpPacket.Of(DhcpMessageType.Decline, A, offer!.Yiaddr, Server));

        Assert.Equal(0, h.Journal.Saves);
        Assert.Equal(4, h.Core.Available);
        Assert.NotEqual(offer.Yiaddr, (await h.DiscoverAsync(A))!.Yiaddr);
    }

    [Fact]
    public async Task A_decline_of_an_address_the_client_does_not_hold_is_ignored()
    {
        using var h = new DhcpServerHarness();
        var ip = await h.LeaseAsync(A);

        await h.SendAsync(DhcpPacket.Of(DhcpMessageType.Decline, B, ip, Server));

        Assert.Equal(ip, Assert.Single(h.Core.Leases()).Ip);
        Assert.Equal(4, h.Core.Available);
    }

    [Fact]
    public async Task Inform_is_acked_with_options_but_no_lease()
    {
        using var h = new DhcpServerHarness();
        var client = IPAddress.Parse("10.0.0.99");

        var ack = await h.SendAsync(DhcpPacket.Of(DhcpMessageType.Inform, A, ciaddr: client));

        Assert.Equal(DhcpMessageType.Ack, ack!.Type);
        Assert.Equal(IPAddress.Any, ack.Yiaddr);
        Assert.Null(ack.Option(51));
        Assert.Null(ack.Option(58));
        Assert.Equal(DnsServer.GetAddressBytes(), ack.Option(6));
        Assert.Equal(new IPEndPoint(client, 68), ack.Destination);
        Assert.Empty(h.Core.Leases());
        Assert.Equal(0, h.Journal.Saves);
        Assert.Equal(0, h.Core.LeasesOk);
    }

    [Theory]
    [InlineData(2)] // OFFER
    [InlineData(5)] // ACK
    [InlineData(6)] // NAK
    public async Task A_servers_message_type_from_a_client_is_ignored(byte type)
    {
        using var h = new DhcpServerHarness();
        Assert.Null(await h.SendAsync(DhcpPacket.Of((DhcpMessageType)type, A, Ip(10), Server)));
        Assert.Equal(5, h.Core.Available);
    }

    [Fact]
    public async Task A_full_pool_of_253_then_exhaustion()
    {
        using var h = new DhcpServerHarness(poolSize: 253, first: 2);
        var seen = new HashSet<IPAddress>();
        for (var i = 1; i <= 253; i++)
        {
            Assert.True(seen.Add(await h.LeaseAsync(Mac(i))));
        }

        Assert.Equal(253, h.Core.Active);
        Assert.Equal(0, h.Core.Available);
        Assert.Equal(253, h.Routes.Routes.Count);
        Assert.Equal(253, h.Journal.Saved.Count);
        Assert.Equal(seen, h.Core.Leases().Select(l => l.Ip).ToHashSet());

        Assert.Null(await h.DiscoverAsync(Mac(254)));
        Assert.Contains(h.Logger.Lines, l => l.Level == LogLevel.Warning && l.Message == $"DISCOVER from {Mac(254)}: pool exhausted");
        Assert.Equal(DhcpMessageType.Nak, (await h.SendAsync(DhcpPacket.Of(DhcpMessageType.Request, Mac(254), Ip(2), Server)))!.Type);
    }

    [Fact]
    public async Task A_route_failure_naks_and_rolls_the_lease_back()
    {
        using var h = new DhcpServerHarness();
        var offer = await h.DiscoverAsync(A);
        h.Routes.Failing.Add(offer!.Yiaddr);
        h.Recorder.Calls.Clear();

        var nak = await h.SendAsync(DhcpPacket.Of(DhcpMessageType.Request, A, offer.Yiaddr, Server));

        Assert.Equal(DhcpMessageType.Nak, nak!.Type);
        Assert.Equal([$"save {A}={offer.Yiaddr}", $"route add {offer.Yiaddr} failed", "save ", "reply Nak"], h.Recorder.Calls);
        Assert.Empty(h.Core.Leases());
        Assert.Empty(h.Journal.Saved);
        Assert.Equal((0, 1), (h.Core.LeasesOk, h.Core.LeasesFailed));
        Assert.Equal(5, h.Core.Available);
    }

    [Fact]
    public async Task A_renewal_whose_route_fails_ends_the_lease_and_its_route()
    {
        using var h = new DhcpServerHarness();
        var ip = await h.LeaseAsync(A);
        h.Routes.Failing.Add(ip);
        h.Recorder.Calls.Clear();

        var nak = await h.SendAsync(DhcpPacket.Of(DhcpMessageType.Request, A, ciaddr: ip));

        Assert.Equal(DhcpMessageType.Nak, nak!.Type);
        Assert.Equal([$"save {A}={ip}", $"route add {ip} failed", "save ", $"route del {ip}", "reply Nak"], h.Recorder.Calls);
        Assert.Empty(h.Core.Leases());
        Assert.Empty(h.Routes.Routes);
    }

    [Fact]
    public async Task A_journal_failure_naks_without_a_route()
    {
        using var h = new DhcpServerHarness();
        var offer = await h.DiscoverAsync(A);
        h.Journal.Fail = true;

        var nak = await h.SendAsync(DhcpPacket.Of(DhcpMessageType.Request, A, offer!.Yiaddr, Server));

        Assert.Equal(DhcpMessageType.Nak, nak!.Type);
        Assert.Empty(h.Routes.Routes);
        Assert.Empty(h.Core.Leases());
        Assert.Equal(1, h.Core.LeasesFailed);
    }

    [Fact]
    public async Task A_restart_restores_active_leases_and_their_routes()
    {
        var recorder = new DhcpRecorder();
        var journal = new FakeJournal(recorder);
        IPAddress a, b;
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(new DateTimeOffset(2026, 12, 6, 12, 0, 0, TimeSpan.Zero));
        using (var first = new DhcpServerHarness(journal: journal, recorder: recorder, time: time))
        {
            a = await first.LeaseAsync(A);
            time.Advance(TimeSpan.FromMinutes(59));
            b = await first.LeaseAsync(B);
        }

        time.Advance(TimeSpan.FromMinutes(2)); // A's lease ended while the server was down
        using var second = new DhcpServerHarness(journal: journal, recorder: recorder, time: time);
        recorder.Calls.Clear();
        await second.Core.StartAsync(default);

        Assert.Equal([$"save {B}={b}", $"route add {b}"], recorder.Calls);
        Assert.Equal(b, Assert.Single(second.Core.Leases()).Ip);
        Assert.Equal(b, (await second.DiscoverAsync(B))!.Yiaddr);
        Assert.Equal(a, (await second.DiscoverAsync(A))!.Yiaddr); // still sticky: the expired row was remembered
        Assert.Equal(DhcpMessageType.Ack, (await second.SendAsync(DhcpPacket.Of(DhcpMessageType.Request, B, ciaddr: b)))!.Type);
    }

    [Fact]
    public async Task A_restart_with_an_unreadable_journal_starts_fresh()
    {
        var recorder = new DhcpRecorder();
        using var core = new DhcpServerCore(SettingsOf(5), new FakeRoutes(recorder), new BrokenJournal(), TimeProvider.System,
            Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance);
        await core.StartAsync(default);
        Assert.Empty(core.Leases());
        Assert.Equal(5, core.Available);
    }

    [Fact]
    public async Task A_restart_where_a_route_fails_keeps_the_lease()
    {
        using var h = new DhcpServerHarness();
        var ip = await h.LeaseAsync(A);
        using var second = new DhcpServerHarness(journal: h.Journal);
        second.Routes.Failing.Add(ip);

        await second.Core.StartAsync(default);

        Assert.Single(second.Core.Leases());
        Assert.Contains(second.Logger.Lines, l => l.Level == LogLevel.Error && l.Message.StartsWith($"add route {ip}", StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_sweep_expires_leases_journal_first_then_route()
    {
        using var h = new DhcpServerHarness();
        var ip = await h.LeaseAsync(A);
        h.Recorder.Calls.Clear();

        h.Time.Advance(TimeSpan.FromMinutes(59));
        await h.Core.SweepAsync(default);
        Assert.Empty(h.Recorder.Calls);

        h.Time.Advance(TimeSpan.FromMinutes(2));
        await h.Core.SweepAsync(default);
        Assert.Equal(["save ", $"route del {ip}"], h.Recorder.Calls);
        Assert.Equal(0, h.Core.Active);

        var nak = await h.SendAsync(DhcpPacket.Of(DhcpMessageType.Request, A, ciaddr: ip));
        Assert.Equal(DhcpMessageType.Nak, nak!.Type);
    }

    [Fact]
    public async Task Reconfigure_ends_leases_outside_the_new_pool()
    {
        using var h = new DhcpServerHarness();
        var a = await h.LeaseAsync(A); // .10
        var b = await h.LeaseAsync(B); // .11
        h.Recorder.Calls.Clear();

        await h.Core.ReconfigureAsync(SettingsOf(5, first: 11), default);

        Assert.Equal([$"save {B}={b}", $"route del {a}"], h.Recorder.Calls);
        Assert.Equal(b, Assert.Single(h.Core.Leases()).Ip);
        Assert.Equal(4, h.Core.Available);
        Assert.Equal(DhcpMessageType.Nak, (await h.SendAsync(DhcpPacket.Of(DhcpMessageType.Request, A, ciaddr: a)))!.Type);
    }

    [Fact]
    public async Task Concurrent_packets_and_releases_keep_one_address_per_mac()
    {
        using var h = new DhcpServerHarness(poolSize: 50);
        var work = Enumerable.Range(1, 50).Select(i => Task.Run(async () =>
        {
            var ip = await h.LeaseAsync(Mac(i));
            if (i % 2 == 0)
            {
                await h.Core.ReleaseAsync(Mac(i), default);
            }

            return ip;
        }));
        var ips = await Task.WhenAll(work);

        Assert.Equal(50, ips.Distinct().Count());
        Assert.Equal(25, h.Core.Active);
        Assert.Equal(25, h.Routes.Routes.Count);
    }

    private sealed class BrokenJournal : ILeaseJournal
    {
        public IReadOnlyList<Lease> Load() => throw new LeaseFileException("leases.json is not a lease file");

        public void Save(IReadOnlyCollection<Lease> leases)
        {
        }
    }
}
