using System.Net;
using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.Logging;

namespace CocoonNet.Node.Dhcp.Embedded;

/// <summary>
/// The embedded server's socket: UDP 0.0.0.0:67 bound to the bridge (SO_BINDTODEVICE, so only the VMs' segment is
/// served and broadcast replies leave through it), each datagram handed to <see cref="DhcpServerCore"/> and its reply
/// sent from the same socket, and a lease sweep every 10 s. One bad packet never ends the loop. A socket bound to a
/// device keeps the device's index: a bridge deleted and made again (a re-run, an operator) would leave it deaf, so
/// the index is checked at every sweep and the socket reopened when it changed; a bridge not there yet is waited for.
/// </summary>
internal sealed partial class EmbeddedDhcpServer(
    DhcpServerCore core,
    string device,
    TimeProvider time,
    ILogger logger,
    Func<string, Socket>? open = null,
    Func<string, int>? indexOf = null)
{
    public static readonly TimeSpan SweepInterval = TimeSpan.FromSeconds(10);

    private static readonly TimeSpan ReceiveErrorPause = TimeSpan.FromMilliseconds(100);

    private const int SolSocket = 1;
    private const int SoReuseAddr = 2;
    private const int SoBindToDevice = 25;
    private const int ServerPort = 67;

    private readonly Func<string, Socket> open = open ?? Open;
    private readonly Func<string, int> indexOf = indexOf ?? IndexOf;

    public DhcpServerCore Core => core;

    /// <summary>Told null once the socket listens, and why not when it cannot (for the agent's readiness).</summary>
    public Action<string?> Serving { get; init; } = _ => { };

    /// <summary>Serves on <c>device</c> until <paramref name="cancellationToken"/> is cancelled, reopening as the device comes and goes.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var sweeping = SweepAsync(stop.Token);
        try
        {
            var waiting = false;
            while (true)
            {
                var index = indexOf(device);
                Socket socket;
                try
                {
                    socket = index > 0 ? open(device) : throw new SocketException((int)SocketError.NetworkDown);
                }
                catch (SocketException e)
                {
                    if (!waiting)
                    {
                        logger.DeviceUnusable(device, e.Message);
                        Serving($"cannot listen on {device} port {ServerPort}: {e.Message}");
                        waiting = true;
                    }

                    await Task.Delay(SweepInterval, time, cancellationToken).ConfigureAwait(false);
                    continue;
                }

                waiting = false;
                using (socket)
                {
                    logger.Listening(device);
                    Serving(null);
                    await ServeUntilMovedAsync(socket, index, cancellationToken).ConfigureAwait(false);
                }

                logger.DeviceReplaced(device);
            }
        }
        finally
        {
            await stop.CancelAsync().ConfigureAwait(false);
            await sweeping.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
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

    /// <summary>Returns (without throwing) once the device's index is no longer <paramref name="index"/>.</summary>
    private async Task ServeUntilMovedAsync(Socket socket, int index, CancellationToken cancellationToken)
    {
        using var moved = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var watching = WatchAsync(index, moved);
        try
        {
            await ReceiveLoopAsync(socket, moved.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            // The device moved: the caller reopens.
        }
        finally
        {
            await moved.CancelAsync().ConfigureAwait(false);
            await watching.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    private async Task WatchAsync(int index, CancellationTokenSource moved)
    {
        using var timer = new PeriodicTimer(SweepInterval, time);
        while (await timer.WaitForNextTickAsync(moved.Token).ConfigureAwait(false))
        {
            if (indexOf(device) != index)
            {
                await moved.CancelAsync().ConfigureAwait(false);
                return;
            }
        }
    }

    /// <summary>The device's index in this network namespace, 0 when there is none.</summary>
    public static int IndexOf(string device) => (int)IfNameToIndex(device);

    [System.Runtime.InteropServices.LibraryImport("libc", EntryPoint = "if_nametoindex", StringMarshalling = System.Runtime.InteropServices.StringMarshalling.Utf8)]
    private static partial uint IfNameToIndex(string name);

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
