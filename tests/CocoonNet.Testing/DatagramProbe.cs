using System.Net;
using System.Net.Sockets;

namespace CocoonNet.Tests.Support;

/// <summary>
/// One unfragmentable IPv4 datagram of a given total size from one namespace to another (a UDP socket with DF set,
/// IP_PMTUDISC_DO, as <c>ping -M do</c> sends its echo): whether it arrived whole, and from which source address (the
/// node's uplink address when it crossed the NAT). Sockets are opened in the namespaces by threads that enter them.
/// </summary>
internal static class DatagramProbe
{
    private const int Headers = 20 + 8;

    /// <summary>
    /// Sends a datagram of <paramref name="ipPacketSize"/> bytes on the wire (IPv4 + UDP headers included) from
    /// <paramref name="fromNamespace"/> to <paramref name="to"/> in <paramref name="toNamespace"/>; returns the source
    /// address it arrived from, or null when it did not arrive whole within <paramref name="wait"/> (or could not be sent).
    /// </summary>
    public static IPAddress? Send(string fromNamespace, string toNamespace, IPAddress to, int ipPacketSize, TimeSpan wait)
    {
        using var receiver = NetworkNamespace.Run(toNamespace, () =>
        {
            var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
            socket.Bind(new IPEndPoint(to, 0));
            return socket;
        });
        var target = (IPEndPoint)receiver.LocalEndPoint!;
        var payload = new byte[ipPacketSize - Headers];
        Random.Shared.NextBytes(payload);
        NetworkNamespace.Run(fromNamespace, () =>
        {
            using var sender = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp) { DontFragment = true };
            try
            {
                // Sent three times: the first may be lost while the VM resolves its gateway's MAC. An ICMP
                // "fragmentation needed" from the node makes a later send fail with EMSGSIZE.
                for (var i = 0; i < 3; i++)
                {
                    sender.SendTo(payload, target);
                    Thread.Sleep(100);
                }

                return true;
            }
            catch (SocketException)
            {
                // EMSGSIZE: the path MTU is below the datagram; nothing arrives, which the receiver tells.
                return false;
            }
        });
        if (!receiver.Poll((int)wait.TotalMicroseconds, SelectMode.SelectRead))
        {
            return null;
        }

        var buffer = new byte[65536];
        EndPoint from = new IPEndPoint(IPAddress.Any, 0);
        var length = receiver.ReceiveFrom(buffer, ref from);
        return length == payload.Length ? ((IPEndPoint)from).Address : null;
    }
}
