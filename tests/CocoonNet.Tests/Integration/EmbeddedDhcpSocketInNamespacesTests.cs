using System.Net;
using System.Net.Sockets;
using CocoonNet.Node.Dhcp.Embedded;
using CocoonNet.Tests.Support;
using CocoonNet.Tests.Unit.Dhcp;
using Microsoft.Extensions.Logging.Abstractions;

namespace CocoonNet.Tests.Integration;

/// <summary>
/// The embedded server's socket on a real kernel, in a namespace of its own (port 67 of the machine is never touched):
/// bound to a device with the raw options, it answers a broadcast DISCOVER by broadcast and an INFORM by unicast, and a
/// malformed datagram does not stop it.
/// </summary>
[Collection(NamespaceCollection.Name)]
public sealed class EmbeddedDhcpSocketInNamespacesTests
{
    [PrivilegedFact]
    public async Task The_server_socket_answers_and_survives_garbage()
    {
        var ns = $"cndhcp{Environment.ProcessId % 100000}";
        Shell.Check("ip", "netns", "add", ns);
        try
        {
            Shell.Check("ip", "-n", ns, "link", "set", "lo", "up");
            using var h = new DhcpServerHarness();
            var server = new EmbeddedDhcpServer(h.Core, "lo", TimeProvider.System, NullLogger.Instance);
            using var serverSocket = NetworkNamespace.Run(ns, () => EmbeddedDhcpServer.Open("lo"));
            using var client = NetworkNamespace.Run(ns, () =>
            {
                var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
                socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.Broadcast, true);
                socket.Bind(new IPEndPoint(IPAddress.Any, 68));
                return socket;
            });
            using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(30)); // a hang guard, not a timing assert
            var serving = server.ServeAsync(serverSocket, stop.Token);
            var to = new IPEndPoint(IPAddress.Loopback, 67);

            await client.SendToAsync(new byte[] { 1, 2, 3 }, to, stop.Token);
            await client.SendToAsync(DhcpPacket.Of(DhcpMessageType.Discover, "52:54:00:00:00:01").Build(), to, stop.Token);
            var offer = await ReceiveAsync(client, stop.Token);
            await client.SendToAsync(DhcpPacket.Of(DhcpMessageType.Inform, "52:54:00:00:00:02", ciaddr: IPAddress.Loopback).Build(), to, stop.Token);
            var ack = await ReceiveAsync(client, stop.Token);

            Assert.Equal(DhcpMessageType.Offer, offer.Type);
            Assert.Equal(DhcpServerHarness.Ip(10), offer.Yiaddr);
            Assert.Equal(DhcpMessageType.Ack, ack.Type);
            Assert.Equal(IPAddress.Any, ack.Yiaddr);

            await stop.CancelAsync();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => serving);
        }
        finally
        {
            Shell.Run("ip", ["netns", "del", ns]);
        }
    }

    /// <summary>busybox udhcpc over a veth pair: DISCOVER, OFFER, REQUEST, ACK, with its script a no-op (nothing configured).</summary>
    [PrivilegedFact]
    public async Task Udhcpc_gets_a_lease_from_the_server_on_cni0()
    {
        var id = Environment.ProcessId % 100000;
        var (server, client) = ($"cndhcps{id}", $"cndhcpc{id}");
        Shell.Check("ip", "netns", "add", server);
        Shell.Check("ip", "netns", "add", client);
        try
        {
            Shell.Check("ip", "link", "add", "cni0", "netns", server, "type", "veth", "peer", "name", "eth0", "netns", client);
            Shell.Check("ip", "-n", server, "addr", "add", "10.0.0.1/24", "dev", "cni0");
            Shell.Check("ip", "-n", server, "link", "set", "cni0", "up");
            Shell.Check("ip", "-n", client, "link", "set", "eth0", "up");
            var mac = Shell.Check("ip", "-n", client, "-o", "link", "show", "eth0").Split("link/ether ")[1][..17];
            using var h = new DhcpServerHarness();
            var dhcp = new EmbeddedDhcpServer(h.Core, "cni0", TimeProvider.System, NullLogger.Instance);
            using var socket = NetworkNamespace.Run(server, () => EmbeddedDhcpServer.Open("cni0"));
            using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(60)); // a hang guard, not a timing assert
            var serving = dhcp.ServeAsync(socket, stop.Token);

            // Private mount and UTS namespaces and a no-op script: the client configures nothing on this machine.
            var result = await Task.Run(() => Shell.Run("ip", [
                "netns", "exec", client, "unshare", "-m", "-u", "busybox", "udhcpc", "-i", "eth0", "-f", "-q", "-n", "-t", "5", "-T", "1",
                "-s", "/bin/true"], timeout: TimeSpan.FromSeconds(30)));

            Assert.True(result.ExitCode == 0, result.ToString());
            Assert.Contains("lease of 10.0.0.10 obtained", result.Stdout + result.Stderr, StringComparison.Ordinal);
            var lease = Assert.Single(h.Core.Leases());
            Assert.Equal((mac, DhcpServerHarness.Ip(10)), (lease.Mac, lease.Ip));
            Assert.Contains(DhcpServerHarness.Ip(10), h.Routes.Routes);

            await stop.CancelAsync();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => serving);
        }
        finally
        {
            Shell.Run("ip", ["netns", "del", client]);
            Shell.Run("ip", ["netns", "del", server]);
        }
    }

    /// <summary>
    /// The server started before cni0 exists waits for it, serves once it is there, and reopens its socket when cni0 is
    /// deleted and made again (a socket bound to a device keeps the old index and would hear nothing).
    /// </summary>
    [PrivilegedFact]
    public async Task The_server_waits_for_the_bridge_and_follows_it_when_it_is_made_again()
    {
        var id = Environment.ProcessId % 100000;
        var (server, client) = ($"cndhcpw{id}", $"cndhcpx{id}");
        Shell.Check("ip", "netns", "add", server);
        Shell.Check("ip", "netns", "add", client);
        try
        {
            using var h = new DhcpServerHarness();
            var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider();
            var logger = new ListLogger<EmbeddedDhcpServer>();
            var dhcp = new EmbeddedDhcpServer(h.Core, "cni0", time, logger,
                d => NetworkNamespace.Run(server, () => EmbeddedDhcpServer.Open(d)),
                d => NetworkNamespace.Run(server, () => EmbeddedDhcpServer.IndexOf(d)));
            using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(90)); // a hang guard, not a timing assert
            var running = dhcp.RunAsync(stop.Token);
            while (!logger.Lines.Any(l => l.Message.StartsWith("DHCP: cannot serve on cni0", StringComparison.Ordinal)))
            {
                await Task.Delay(20, stop.Token);
            }

            using var probe = NetworkNamespace.Run(client, () =>
            {
                var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
                socket.Bind(new IPEndPoint(IPAddress.Any, 68));
                return socket;
            });

            MakeBridge(server, client);
            Assert.Equal(DhcpMessageType.Ack, (await InformUntilAnsweredAsync(probe, time, stop.Token)).Type);

            Shell.Check("ip", "-n", server, "link", "del", "cni0");
            MakeBridge(server, client);
            Assert.Equal(DhcpMessageType.Ack, (await InformUntilAnsweredAsync(probe, time, stop.Token)).Type);
            Assert.Contains(logger.Lines, l => l.Message == "DHCP: cni0 changed (deleted or made again); reopening the socket");

            await stop.CancelAsync();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => running);
        }
        finally
        {
            Shell.Run("ip", ["netns", "del", client]);
            Shell.Run("ip", ["netns", "del", server]);
        }
    }

    private static void MakeBridge(string server, string client)
    {
        Shell.Check("ip", "link", "add", "cni0", "netns", server, "type", "veth", "peer", "name", "eth0", "netns", client);
        Shell.Check("ip", "-n", server, "addr", "add", "10.0.0.1/24", "dev", "cni0");
        Shell.Check("ip", "-n", client, "addr", "add", "10.0.0.99/24", "dev", "eth0");
        Shell.Check("ip", "-n", server, "link", "set", "cni0", "up");
        Shell.Check("ip", "-n", client, "link", "set", "eth0", "up");
    }

    /// <summary>INFORMs (unicast from 10.0.0.99) until the server answers, moving its clock a sweep on each try.</summary>
    private static async Task<DhcpAnswer> InformUntilAnsweredAsync(Socket probe, Microsoft.Extensions.Time.Testing.FakeTimeProvider time,
        CancellationToken cancellationToken)
    {
        var inform = DhcpPacket.Of(DhcpMessageType.Inform, "52:54:00:00:00:09", ciaddr: IPAddress.Parse("10.0.0.99")).Build();
        while (true)
        {
            time.Advance(EmbeddedDhcpServer.SweepInterval);
            await probe.SendToAsync(inform, new IPEndPoint(IPAddress.Parse("10.0.0.1"), 67), cancellationToken);
            using var attempt = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            attempt.CancelAfter(TimeSpan.FromMilliseconds(500));
            try
            {
                return await ReceiveAsync(probe, attempt.Token);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
            }
        }
    }

    private static async Task<DhcpAnswer> ReceiveAsync(Socket socket, CancellationToken cancellationToken)
    {
        var buffer = new byte[1500];
        var received = await socket.ReceiveFromAsync(buffer, SocketFlags.None, new IPEndPoint(IPAddress.Any, 0), cancellationToken);
        return new DhcpAnswer(buffer[..received.ReceivedBytes], (IPEndPoint)received.RemoteEndPoint);
    }
}
