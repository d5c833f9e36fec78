using System.Runtime.InteropServices;

namespace CocoonNet.Host.Agent;

/// <summary>
/// Waits for any process (not only a child: dnsmasq daemonizes away from cocoon-net) to exit, through a pidfd
/// (<c>pidfd_open(2)</c>, Linux 5.3): the kernel makes it readable when the process exits, so the wait is a
/// <c>poll(2)</c> that sleeps, not a loop that checks <c>/proc</c>. A pidfd refers to that very process, so a
/// recycled pid can never be mistaken for it.
/// </summary>
internal static partial class ProcessExit
{
    // pidfd_open is 434 on every architecture Linux numbers with the generic table (x86-64, arm64, ...).
    private const long SysPidfdOpen = 434;
    private const short PollIn = 0x1;
    private const int Esrch = 3;
    private const int Eintr = 4;

    /// <summary>
    /// Completes when <paramref name="pid"/> has exited (at once when it is already gone); cancelled with
    /// <paramref name="cancellationToken"/>. The poll wakes every <see cref="CancelCheck"/> only to notice cancellation.
    /// </summary>
    public static Task WaitAsync(int pid, CancellationToken cancellationToken) =>
        Task.Factory.StartNew(() => Wait(pid, cancellationToken), cancellationToken, TaskCreationOptions.LongRunning, TaskScheduler.Default);

    /// <summary>How often a blocked wait looks at its cancellation token.</summary>
    public static readonly TimeSpan CancelCheck = TimeSpan.FromMilliseconds(250);

    private static void Wait(int pid, CancellationToken cancellationToken)
    {
        var fd = (int)Syscall(SysPidfdOpen, pid, 0);
        if (fd < 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            if (errno == Esrch)
            {
                return; // already gone
            }

            throw new IOException($"watch process {pid}: pidfd_open failed: {Marshal.GetPInvokeErrorMessage(errno)} (Linux 5.3 or later is needed)");
        }

        try
        {
            var entry = new PollFd { Fd = fd, Events = PollIn };
            while (true)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var ready = Poll(ref entry, 1, (int)CancelCheck.TotalMilliseconds);
                if (ready > 0)
                {
                    return;
                }

                if (ready < 0 && Marshal.GetLastPInvokeError() != Eintr)
                {
                    throw new IOException($"watch process {pid}: poll failed: {Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError())}");
                }
            }
        }
        finally
        {
            _ = Close(fd);
        }
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct PollFd
    {
        public int Fd;
        public short Events;
        public short Revents;
    }

    [LibraryImport("libc", EntryPoint = "syscall", SetLastError = true)]
    private static partial long Syscall(long number, long pid, long flags);

    [LibraryImport("libc", EntryPoint = "poll", SetLastError = true)]
    private static partial int Poll(ref PollFd fds, nuint count, int timeout);

    [LibraryImport("libc", EntryPoint = "close")]
    private static partial int Close(int fd);
}
