using System.Net;
using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.Logging;

namespace CocoonNet.Node.Dhcp.Embedded;

/// <summary>
/// The embedded server's socket: UDP 0.0.0.0:67 bound to the bridge (SO_BINDTODEVICE, so only the VMs' segment is
/// served and broadcast replies leave through it), each datagram handed to <see cref="DhcpServerCore"/> and its reply
/// sent from the same socket, and a lease sweep every 10 s. One bad packet never ends the loop.
/// </summary>
internal sealed class EmbeddedDhcpServer(DhcpServerCore core, string device, TimeProvider time, ILogger logger)
{
    public static readonly TimeSpan SweepInterval = TimeSpan.FromSeconds(10);

    private static readonly TimeSpan ReceiveErrorPause = TimeSpan.FromMilliseconds(100);

    private const int SolSocket = 1;
    private const int SoReuseAddr = 2;
    private const int SoBindToDevice = 25;
    private const int ServerPort = 67;

    public DhcpServerCore Core => core;

    /// <summary>Serves until <paramref name="cancellationToken"/> is cancelled; a socket that cannot be bound throws at once.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        using var socket = Open(device);
        logger.Listening(device);
        await ServeAsync(socket, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Serves on an opened socket (tests bring their own, in a namespace) until cancelled.</summary>
    public async Task ServeAsync(Socket socket, CancellationToken cancellationToken)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var sweeping = SweepAsync(stop.Token);
        try
        {
            await ReceiveLoopAsync(socket, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            await stop.CancelAsync().ConfigureAwait(false);
            await sweeping.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    /// <summary>The bound socket; <see cref="SocketException"/> says why not (no such device, port in use, not root).</summary>
    public static Socket Open(string device)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        try
        {
            // Raw SO_REUSEADDR: SocketOptionName.ReuseAddress also sets SO_REUSEPORT on Linux, letting a second server share 67.
            socket.SetRawSocketOption(SolSocket, SoReuseAddr, BitConverter.GetBytes(1));
            socket.SetRawSocketOption(SolSocket, SoBindToDevice, Encoding.ASCII.GetBytes(device + "\0"));
            socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.Broadcast, true);
            socket.Bind(new IPEndPoint(IPAddress.Any, ServerPort));
        }
        catch
        {
            socket.Dispose();
            throw;
        }

        return socket;
    }

    private async Task ReceiveLoopAsync(Socket socket, CancellationToken cancellationToken)
    {
        var buffer = new byte[DhcpMessage.MaxLength + 1];
        EndPoint any = new IPEndPoint(IPAddress.Any, 0);
        while (true)
        {
            SocketReceiveFromResult received;
            try
            {
                received = await socket.ReceiveFromAsync(buffer, SocketFlags.None, any, cancellationToken).ConfigureAwait(false);
            }
            catch (SocketException e)
            {
                // e.g. an ICMP error reported on the socket: the next datagram still comes (a short pause keeps a
                // socket that keeps failing from spinning).
                logger.PacketFailed(null, e.Message);
                await Task.Delay(ReceiveErrorPause, time, cancellationToken).ConfigureAwait(false);
                continue;
            }

            DhcpReply? reply;
            try
            {
                reply = await core.HandleAsync(buffer.AsMemory(0, received.ReceivedBytes), received.RemoteEndPoint, cancellationToken)
                    .ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                logger.PacketFailed(received.RemoteEndPoint, e.Message);
                continue;
            }

            if (reply is null)
            {
                continue;
            }

            try
            {
                await socket.SendToAsync(reply.Payload, SocketFlags.None, reply.Destination, cancellationToken).ConfigureAwait(false);
            }
            catch (SocketException e)
            {
                logger.SendFailed(reply.Destination, e.Message);
            }
        }
    }

    private async Task SweepAsync(CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(SweepInterval, time);
        while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false))
        {
            try
            {
                await core.SweepAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                logger.SweepFailed(e.Message);
            }
        }
    }
}
