using System.Net;
using CocoonNet.Node.Dhcp.Embedded;
using CocoonNet.Tests.Support;
using Microsoft.Extensions.Time.Testing;

namespace CocoonNet.Tests.Unit.Dhcp;

/// <summary>A server core over fake time, journal and routes, with the DORA steps a test needs.</summary>
internal sealed class DhcpServerHarness : IDisposable
{
    public static readonly IPAddress Server = IPAddress.Parse("10.0.0.1");
    public static readonly IPNetwork Subnet = IPNetwork.Parse("10.0.0.0/24");
    public static readonly IPAddress DnsServer = IPAddress.Parse("10.0.0.53");

    public DhcpServerHarness(int poolSize = 5, FakeJournal? journal = null, DhcpRecorder? recorder = null, FakeTimeProvider? time = null, int first = 10)
    {
        Recorder = recorder ?? new DhcpRecorder();
        Journal = journal ?? new FakeJournal(Recorder);
        Routes = new FakeRoutes(Recorder);
        Time = time ?? new FakeTimeProvider(new DateTimeOffset(2026, 12, 6, 12, 0, 0, TimeSpan.Zero));
        Settings = SettingsOf(poolSize, first);
        Core = new DhcpServerCore(Settings, Routes, Journal, Time, Logger);
    }

    public DhcpRecorder Recorder { get; }

    public FakeJournal Journal { get; }

    public FakeRoutes Routes { get; }

    public FakeTimeProvider Time { get; }

    public ListLogger<DhcpServerCore> Logger { get; } = new();

    public DhcpServerSettings Settings { get; }

    public DhcpServerCore Core { get; }

    public static DhcpServerSettings SettingsOf(int poolSize, int first = 10) => new(
        Server,
        Subnet,
        [.. Enumerable.Range(first, poolSize).Select(i => IPAddress.Parse($"10.0.0.{i}"))],
        [DnsServer],
        TimeSpan.FromHours(1));

    public static IPAddress Ip(int last) => IPAddress.Parse($"10.0.0.{last}");

    public static string Mac(int n) => $"52:54:00:00:{n / 256:x2}:{n % 256:x2}";

    public async Task<DhcpAnswer?> SendAsync(DhcpPacket packet) => await SendAsync(packet.Build());

    public async Task<DhcpAnswer?> SendAsync(byte[] datagram)
    {
        var reply = await Core.HandleAsync(datagram, CancellationToken.None);
        if (reply is not null)
        {
            Recorder.Record($"reply {DhcpAnswer.Of(reply).Type}");
        }

        return reply is null ? null : DhcpAnswer.Of(reply);
    }

    public Task<DhcpAnswer?> DiscoverAsync(string mac, IPAddress? requested = null) =>
        SendAsync(DhcpPacket.Of(DhcpMessageType.Discover, mac, requested));

    /// <summary>DISCOVER then REQUEST (SELECTING) of what was offered; the ACK's address.</summary>
    public async Task<IPAddress> LeaseAsync(string mac)
    {
        var offer = await DiscoverAsync(mac) ?? throw new InvalidOperationException("no OFFER");
        var ack = await SendAsync(DhcpPacket.Of(DhcpMessageType.Request, mac, offer.Yiaddr, Server));
        Assert.Equal(DhcpMessageType.Ack, ack?.Type);
        return ack!.Yiaddr;
    }

    public Task<DhcpAnswer?> ReleaseAsync(string mac, IPAddress ciaddr) =>
        SendAsync(DhcpPacket.Of(DhcpMessageType.Release, mac, server: Server, ciaddr: ciaddr));

    public void Dispose() => Core.Dispose();
}
