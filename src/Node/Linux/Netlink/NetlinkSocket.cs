using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace CocoonNet.Node.Linux.Netlink;

/// <summary>
/// A netlink socket (NETLINK_ROUTE unless told otherwise). Requests are batched: many messages go out in
/// one send and their acknowledgements are read back together, so programming 253 routes is one round
/// trip, not 253 forks.
/// </summary>
internal sealed partial class NetlinkSocket : IDisposable
{
    private const int AfNetlink = 16;
    private const int SockRaw = 3;
    private const int SockCloexec = 0x80000;
    public const int NetlinkRoute = 0;
    public const int NetlinkNetfilter = 12;
    private const int SolSocket = 1;
    private const int SoRcvbuf = 8;
    private const int SoRcvtimeo = 20;
    private const int SolNetlink = 270;
    private const int NetlinkExtAck = 11;
    private const int MaxBatchBytes = 64 * 1024;

    private readonly int _fd;
    private readonly byte[] _receiveBuffer = new byte[256 * 1024];
    private uint _sequence = (uint)Environment.TickCount;

    public NetlinkSocket(int protocol = NetlinkRoute)
    {
        _fd = Socket(AfNetlink, SockRaw | SockCloexec, protocol);
        if (_fd < 0)
        {
            throw new NetlinkException($"open netlink socket: {Marshal.GetLastPInvokeErrorMessage()}");
        }

        var one = 1;
        var rcvbuf = 1 << 20;
        _ = SetSockOpt(_fd, SolSocket, SoRcvbuf, ref rcvbuf, sizeof(int));
        _ = SetSockOpt(_fd, SolNetlink, NetlinkExtAck, ref one, sizeof(int));

        // A kernel answer never takes seconds; a bounded wait turns a lost reply into an error, not a hang.
        Span<long> timeout = [5, 0];
        _ = SetSockOpt(_fd, SolSocket, SoRcvtimeo, ref timeout[0], sizeof(long) * 2);
    }

    /// <summary>Sends a dump request and returns every message of the reply.</summary>
    public List<NetlinkMessage> Dump(ushort type, ReadOnlySpan<byte> header) =>
        Dump(new NetlinkMessageBuilder(type, NetlinkFlags.Request | NetlinkFlags.Dump).Append(header));

    /// <summary>Sends a dump request built by the caller (header and filter attributes) and returns the reply.</summary>
    public List<NetlinkMessage> Dump(NetlinkMessageBuilder request)
    {
        var type = request.Type;
        var seq = NextSequence();
        SendAll(request.Finish(seq));
        var messages = new List<NetlinkMessage>();
        while (true)
        {
            var received = Receive();
            foreach (var message in NetlinkMessage.Parse(received))
            {
                if (message.Sequence != seq)
                {
                    continue;
                }

                switch (message.Type)
                {
                    case NetlinkMessage.Done:
                        return messages;
                    case NetlinkMessage.Error:
                        var errno = message.ErrorCode;
                        if (errno != 0)
                        {
                            throw new NetlinkException($"netlink dump {type}: {Errno.Describe(errno)}", errno);
                        }

                        return messages;
                    default:
                        messages.Add(message);
                        break;
                }
            }
        }
    }

    /// <summary>
    /// Sends every request with an ACK flag in as few sends as fit, and returns the errno of each
    /// (0 for success), in request order.
    /// </summary>
    public int[] Execute(IReadOnlyList<NetlinkMessageBuilder> requests)
    {
        var results = new int[requests.Count];
        var start = 0;
        while (start < requests.Count)
        {
            var batch = new List<byte>(MaxBatchBytes);
            var firstSeq = _sequence + 1;
            var end = start;
            while (end < requests.Count && (batch.Count == 0 || batch.Count + requests[end].Length <= MaxBatchBytes))
            {
                batch.AddRange(requests[end].Finish(NextSequence()));
                end++;
            }

            SendAll(batch.ToArray());
            var pending = end - start;
            while (pending > 0)
            {
                foreach (var message in NetlinkMessage.Parse(Receive()))
                {
                    if (message.Type != NetlinkMessage.Error)
                    {
                        continue;
                    }

                    var index = (int)(message.Sequence - firstSeq);
                    if (index < 0 || index >= end - start)
                    {
                        continue;
                    }

                    results[start + index] = message.ErrorCode;
                    pending--;
                }
            }

            start = end;
        }

        return results;
    }

    /// <summary>
    /// Sends <paramref name="requests"/> (each flagged for an ACK) as one nfnetlink batch of <paramref name="subsystem"/>,
    /// which the kernel applies whole or not at all. Returns the first errno the kernel reported (0: all applied).
    /// </summary>
    public int ExecuteBatch(IReadOnlyList<NetlinkMessageBuilder> requests, byte subsystem)
    {
        const ushort batchBegin = 0x10; // NFNL_MSG_BATCH_BEGIN
        const ushort batchEnd = 0x11; // NFNL_MSG_BATCH_END
        var data = new List<byte>(256);
        // nfgenmsg: family AF_UNSPEC, version 0, res_id = the subsystem (big-endian).
        data.AddRange(new NetlinkMessageBuilder(batchBegin, NetlinkFlags.Request).Append([0, 0, 0, subsystem]).Finish(NextSequence()));
        var first = _sequence + 1;
        foreach (var request in requests)
        {
            data.AddRange(request.Finish(NextSequence()));
        }

        data.AddRange(new NetlinkMessageBuilder(batchEnd, NetlinkFlags.Request).Append([0, 0, 0, subsystem]).Finish(NextSequence()));
        SendAll([.. data]);
        var pending = requests.Count;
        var error = 0;
        while (pending > 0)
        {
            foreach (var message in NetlinkMessage.Parse(Receive()))
            {
                if (message.Type == NetlinkMessage.Error && message.Sequence >= first && message.Sequence < first + requests.Count)
                {
                    pending--;
                    error = error != 0 ? error : message.ErrorCode;
                }
            }
        }

        return error;
    }

    public void Dispose() => _ = Close(_fd);

    private uint NextSequence() => ++_sequence;

    private unsafe void SendAll(byte[] data)
    {
        fixed (byte* p = data)
        {
            var sent = Send(_fd, p, (nuint)data.Length, 0);
            if (sent < 0)
            {
                throw new NetlinkException($"netlink send: {Marshal.GetLastPInvokeErrorMessage()}");
            }
        }
    }

    private unsafe ReadOnlySpan<byte> Receive()
    {
        fixed (byte* p = _receiveBuffer)
        {
            var n = Recv(_fd, p, (nuint)_receiveBuffer.Length, 0);
            if (n < 0)
            {
                throw new NetlinkException($"netlink receive: {Marshal.GetLastPInvokeErrorMessage()}");
            }

            return _receiveBuffer.AsSpan(0, (int)n);
        }
    }

    [LibraryImport("libc", EntryPoint = "socket", SetLastError = true)]
    private static partial int Socket(int domain, int type, int protocol);

    [LibraryImport("libc", EntryPoint = "setsockopt", SetLastError = true)]
    private static partial int SetSockOpt(int fd, int level, int name, ref int value, int length);

    [LibraryImport("libc", EntryPoint = "setsockopt", SetLastError = true)]
    private static partial int SetSockOpt(int fd, int level, int name, ref long value, int length);

    [LibraryImport("libc", EntryPoint = "send", SetLastError = true)]
    private static unsafe partial nint Send(int fd, byte* buffer, nuint length, int flags);

    [LibraryImport("libc", EntryPoint = "recv", SetLastError = true)]
    private static unsafe partial nint Recv(int fd, byte* buffer, nuint length, int flags);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    private static partial int Close(int fd);
}

[Flags]
internal enum NetlinkFlags : ushort
{
    Request = 0x1,
    Ack = 0x4,
    Replace = 0x100,
    Dump = 0x300,
    Excl = 0x200,
    Create = 0x400,
}

internal sealed class NetlinkException(string message, int errno = 0) : Exception(message)
{
    public int Errno { get; } = errno;
}

/// <summary>errno values netlink reports (negated in the wire format).</summary>
internal static class Errno
{
    public const int NoEntry = 2;
    public const int Exists = 17;
    public const int AddressNotAvailable = 99;
    public const int NoSuchProcess = 3;
    public const int NoDevice = 19;
    public const int NotSupported = 95;

    public static string Describe(int errno) => $"{Marshal.GetPInvokeErrorMessage(errno)} (errno {errno})";
}

/// <summary>One received netlink message; <see cref="Payload"/> excludes the 16-byte header.</summary>
internal readonly record struct NetlinkMessage(ushort Type, ushort Flags, uint Sequence, byte[] Payload)
{
    public const ushort Error = 2;
    public const ushort Done = 3;

    /// <summary>Positive errno of an NLMSG_ERROR message, 0 for an ACK.</summary>
    public int ErrorCode => -BinaryPrimitives.ReadInt32LittleEndian(Payload);

    public static List<NetlinkMessage> Parse(ReadOnlySpan<byte> data)
    {
        var list = new List<NetlinkMessage>();
        var offset = 0;
        while (offset + 16 <= data.Length)
        {
            var length = (int)BinaryPrimitives.ReadUInt32LittleEndian(data[offset..]);
            if (length < 16 || offset + length > data.Length)
            {
                break;
            }

            var type = BinaryPrimitives.ReadUInt16LittleEndian(data[(offset + 4)..]);
            var flags = BinaryPrimitives.ReadUInt16LittleEndian(data[(offset + 6)..]);
            var seq = BinaryPrimitives.ReadUInt32LittleEndian(data[(offset + 8)..]);
            list.Add(new NetlinkMessage(type, flags, seq, data.Slice(offset + 16, length - 16).ToArray()));
            offset += Align(length);
        }

        return list;
    }

    public static int Align(int length) => (length + 3) & ~3;
}
