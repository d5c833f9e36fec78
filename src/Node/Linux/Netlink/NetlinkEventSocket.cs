using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace CocoonNet.Node.Linux.Netlink;

/// <summary>
/// An rtnetlink socket subscribed to multicast groups: the kernel's change notifications arrive on it as they
/// happen. It is bound to the network namespace of the thread that creates it. Receives are asynchronous
/// (epoll through <see cref="System.Net.Sockets.Socket"/>): no thread waits while nothing happens.
/// </summary>
internal sealed partial class NetlinkEventSocket : IDisposable
{
    public const uint GroupLink = 0x1; // RTMGRP_LINK
    public const uint GroupIpv4Address = 0x10; // RTMGRP_IPV4_IFADDR
    public const uint GroupIpv4Route = 0x40; // RTMGRP_IPV4_ROUTE

    private const int AfNetlink = 16;
    private const int SockRaw = 3;
    private const int SockCloexec = 0x80000;
    private const int SockNonblock = 0x800;
    private const int SolSocket = 1;
    private const int SoRcvbuf = 8;
    private const int SoRcvbufForce = 33;

    // A burst (a bridge deleted with 253 routes, a flush) must fit; what does not is reported as lost (ENOBUFS).
    private const int ReceiveBufferBytes = 8 << 20;

    private readonly Socket _socket;

    public NetlinkEventSocket(uint groups, int receiveBufferBytes = ReceiveBufferBytes)
    {
        var fd = CreateSocket(AfNetlink, SockRaw | SockCloexec | SockNonblock, NetlinkSocket.NetlinkRoute);
        if (fd < 0)
        {
            throw new NetlinkException($"open netlink socket: {Marshal.GetLastPInvokeErrorMessage()}");
        }

        var handle = new SafeSocketHandle(fd, ownsHandle: true);
        try
        {
            // SO_RCVBUFFORCE passes rmem_max (root only); SO_RCVBUF is the fallback, capped by the kernel.
            var size = receiveBufferBytes;
            if (SetSockOpt(fd, SolSocket, SoRcvbufForce, ref size, sizeof(int)) != 0)
            {
                size = receiveBufferBytes;
                _ = SetSockOpt(fd, SolSocket, SoRcvbuf, ref size, sizeof(int));
            }

            var address = new SockaddrNetlink { Family = AfNetlink, Groups = groups };
            if (Bind(fd, ref address, Marshal.SizeOf<SockaddrNetlink>()) != 0)
            {
                throw new NetlinkException($"subscribe to netlink groups 0x{groups:x}: {Marshal.GetLastPInvokeErrorMessage()}");
            }

            _socket = new Socket(handle);
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Waits for the next datagram of notifications. Throws <see cref="NetlinkEventsLostException"/> when the
    /// kernel dropped notifications because the receive buffer overflowed (ENOBUFS); the socket stays usable.
    /// </summary>
    public async ValueTask<int> ReceiveAsync(Memory<byte> buffer, CancellationToken cancellationToken)
    {
        try
        {
            return await _socket.ReceiveAsync(buffer, SocketFlags.None, cancellationToken).ConfigureAwait(false);
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.NoBufferSpaceAvailable)
        {
            throw new NetlinkEventsLostException();
        }
    }

    public void Dispose() => _socket?.Dispose();

    [StructLayout(LayoutKind.Sequential)]
    private struct SockaddrNetlink
    {
        public ushort Family;
        public ushort Pad;
        public uint Pid;
        public uint Groups;
    }

    [LibraryImport("libc", EntryPoint = "socket", SetLastError = true)]
    private static partial int CreateSocket(int domain, int type, int protocol);

    [LibraryImport("libc", EntryPoint = "setsockopt", SetLastError = true)]
    private static partial int SetSockOpt(int fd, int level, int name, ref int value, int length);

    [LibraryImport("libc", EntryPoint = "bind", SetLastError = true)]
    private static partial int Bind(int fd, ref SockaddrNetlink address, int length);
}

/// <summary>The kernel dropped notifications (receive buffer overflow): state must be re-read in full.</summary>
internal sealed class NetlinkEventsLostException() : Exception("netlink notifications were lost (receive buffer overflow)");
