using System.Net;
using CocoonNet.Node.Dhcp.Embedded;
using CocoonNet.Node.Leases;
using CocoonNet.Tests.Unit.Dhcp;
using Microsoft.Extensions.Logging.Abstractions;

namespace CocoonNet.Tests.Unit.PortSecurity;

/// <summary>The embedded server tells port security of a grant after its route and before its ACK, and of each end.</summary>
public sealed class LeaseAdmissionTests
{
    private sealed class FakeAdmission(DhcpRecorder recorder) : ILeaseAdmission
    {
        public bool Fail { get; set; }

        public Task AdmitAsync(string mac, IPAddress address, CancellationToken cancellationToken)
        {
            recorder.Record($"admit {mac}={address}");
            return Fail ? Task.FromException(new InvalidOperationException("nft: no")) : Task.CompletedTask;
        }

        public Task RevokeAsync(string mac, IPAddress address, CancellationToken cancellationToken)
        {
            recorder.Record($"revoke {mac}={address}");
            return Task.CompletedTask;
        }
    }

    private static (DhcpServerCore Core, DhcpRecorder Recorder, FakeAdmission Admission, DhcpServerHarness Harness) Make()
    {
        var h = new DhcpServerHarness();
        var admission = new FakeAdmission(h.Recorder);
        var core = new DhcpServerCore(h.Settings, h.Routes, h.Journal, h.Time, NullLogger.Instance) { Admission = admission };
        return (core, h.Recorder, admission, h);
    }

    private static async Task<DhcpAnswer?> Send(DhcpServerCore core, DhcpRecorder recorder, DhcpPacket packet)
    {
        var reply = await core.HandleAsync(packet.Build(), CancellationToken.None);
        if (reply is not null)
        {
            recorder.Record($"reply {DhcpAnswer.Of(reply).Type}");
        }

        return reply is null ? null : DhcpAnswer.Of(reply);
    }

    [Fact]
    public async Task A_grant_is_admitted_after_its_route_and_before_its_ack()
    {
        var (core, recorder, _, h) = Make();
        using var _h = h;
        using var _c = core;
        var mac = DhcpServerHarness.Mac(1);
        var offer = await Send(core, recorder, DhcpPacket.Of(DhcpMessageType.Discover, mac));
        recorder.Calls.Clear();
        await Send(core, recorder, DhcpPacket.Of(DhcpMessageType.Request, mac, offer!.Yiaddr, DhcpServerHarness.Server));
        Assert.Equal([$"save {mac}=10.0.0.10", "route add 10.0.0.10", $"admit {mac}=10.0.0.10", "reply Ack"], recorder.Calls);
    }

    [Fact]
    public async Task A_grant_port_security_refuses_is_naked_and_undone()
    {
        var (core, recorder, admission, h) = Make();
        using var _h = h;
        using var _c = core;
        admission.Fail = true;
        var mac = DhcpServerHarness.Mac(1);
        var offer = await Send(core, recorder, DhcpPacket.Of(DhcpMessageType.Discover, mac));
        recorder.Calls.Clear();
        var reply = await Send(core, recorder, DhcpPacket.Of(DhcpMessageType.Request, mac, offer!.Yiaddr, DhcpServerHarness.Server));
        Assert.Equal(DhcpMessageType.Nak, reply?.Type);
        Assert.Equal(
            [$"save {mac}=10.0.0.10", "route add 10.0.0.10", $"admit {mac}=10.0.0.10", "save ", "route del 10.0.0.10", $"revoke {mac}=10.0.0.10", "reply Nak"],
            recorder.Calls);
        Assert.Empty(core.Leases());
    }

    [Fact]
    public async Task Release_and_expiry_revoke_after_the_route_goes()
    {
        var (core, recorder, _, h) = Make();
        using var _h = h;
        using var _c = core;
        var a = DhcpServerHarness.Mac(1);
        var b = DhcpServerHarness.Mac(2);
        var offerA = await Send(core, recorder, DhcpPacket.Of(DhcpMessageType.Discover, a));
        await Send(core, recorder, DhcpPacket.Of(DhcpMessageType.Request, a, offerA!.Yiaddr, DhcpServerHarness.Server));
        var offerB = await Send(core, recorder, DhcpPacket.Of(DhcpMessageType.Discover, b));
        await Send(core, recorder, DhcpPacket.Of(DhcpMessageType.Request, b, offerB!.Yiaddr, DhcpServerHarness.Server));

        recorder.Calls.Clear();
        Assert.True(await core.ReleaseAsync(a, CancellationToken.None));
        Assert.Equal([$"save {b}=10.0.0.11", "route del 10.0.0.10", $"revoke {a}=10.0.0.10"], recorder.Calls);

        recorder.Calls.Clear();
        h.Time.Advance(TimeSpan.FromHours(2));
        await core.SweepAsync(CancellationToken.None);
        Assert.Equal(["save ", "route del 10.0.0.11", $"revoke {b}=10.0.0.11"], recorder.Calls);
    }

    [Fact]
    public async Task Restored_leases_are_admitted_again_at_start()
    {
        var h = new DhcpServerHarness();
        using var _h = h;
        var mac = DhcpServerHarness.Mac(3);
        h.Journal.Save([new Lease(mac, DhcpServerHarness.Ip(12), h.Time.GetUtcNow().AddMinutes(30))]);
        var admission = new FakeAdmission(h.Recorder);
        using var core = new DhcpServerCore(h.Settings, h.Routes, h.Journal, h.Time, NullLogger.Instance) { Admission = admission };
        h.Recorder.Calls.Clear();
        await core.StartAsync(CancellationToken.None);
        Assert.Equal(["route add 10.0.0.12", $"admit {mac}=10.0.0.12"], h.Recorder.Calls);
    }
}
