using System.Globalization;
using System.Text;
using CocoonNet.Node.Linux;
using Microsoft.Win32.SafeHandles;

namespace CocoonNet.Node.State;

/// <summary>
/// One cocoon-net run at a time per state dir: an exclusive lock on <c>&lt;state-dir&gt;/.lock</c>
/// (flock, released by the kernel when the process dies, so a crash never leaves it stuck). The file is
/// opened without following links and must be a regular file; the holder writes its pid into it.
/// </summary>
internal sealed class StateLock : IDisposable
{
    public const string FileName = ".lock";

    private const UnixFileMode LockFileMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead;

    private readonly SafeFileHandle _handle;

    private StateLock(SafeFileHandle handle) => _handle = handle;

    public static async Task<StateLock> AcquireAsync(string stateDirectory, TimeSpan wait, CancellationToken cancellationToken)
    {
        // A full or read-only disk fails here, at once and by name, never as a lock timeout.
        SafeFile.EnsureDirectory(stateDirectory, PoolStateStore.StateDirectoryMode);
        SafeFile.RequireDirectory(stateDirectory);
        var path = Path.Combine(stateDirectory, FileName);
        var handle = Open(path);
        try
        {
            var deadline = DateTime.UtcNow + wait;
            while (!Posix.TryLockExclusive(handle, path))
            {
                if (DateTime.UtcNow >= deadline)
                {
                    throw new InvalidOperationException(
                        $"another cocoon-net run (pid {await HolderAsync(handle, path, cancellationToken).ConfigureAwait(false)}) holds the lock on "
                        + $"{stateDirectory}; wait for it to finish and retry");
                }

                await Task.Delay(100, cancellationToken).ConfigureAwait(false);
            }

            Posix.Truncate(handle, path);
            Posix.WriteAll(handle, Encoding.ASCII.GetBytes($"{Environment.ProcessId}\n"), path);
            return new StateLock(handle);
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    public void Dispose() => _handle.Dispose();

    /// <summary>
    /// Re-reads the state once the lock is held; a run that finished while this one waited must not be
    /// overruled by decisions taken on what it replaced.
    /// </summary>
    public static PoolState? Reload(PoolStateStore store, PoolState? beforeLock)
    {
        var current = store.LoadProvisioned();
        return current?.Platform == beforeLock?.Platform && current?.Mode == beforeLock?.Mode
            ? current
            : throw new InvalidOperationException($"{store.Path} changed while waiting for the lock; run the command again");
    }

    private static SafeFileHandle Open(string path)
    {
        // O_NONBLOCK: a FIFO planted here must not hang the open; it is refused just below.
        var handle = Posix.Open(path, Posix.O_RDWR | Posix.O_CREAT | Posix.O_NOFOLLOW | Posix.O_NONBLOCK | Posix.O_CLOEXEC | Posix.O_NOCTTY,
            LockFileMode, out var errno);
        if (handle.IsInvalid)
        {
            throw errno == Posix.ELOOP ? SafeFile.NotRegular(path, FileKind.Symlink) : Posix.Error(errno, $"creating {path}");
        }

        try
        {
            SafeFile.RequireRegular(path, Posix.Stat(handle, out _));
            return handle;
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    /// <summary>
    /// The holder's pid: from the kernel's lock table (exact, even before the holder wrote its pid), else
    /// from the file, which the holder writes right after locking (so it is re-read for a moment).
    /// </summary>
    private static async Task<string> HolderAsync(SafeFileHandle handle, string path, CancellationToken cancellationToken)
    {
        if (LockTableHolder(handle) is { } pid)
        {
            return pid.ToString(CultureInfo.InvariantCulture);
        }

        var buffer = new byte[32];
        for (var attempt = 0; attempt < 10; attempt++)
        {
            var read = Posix.ReadAt(handle, buffer, 0, path);
            if (Encoding.ASCII.GetString(buffer, 0, read).Trim() is { Length: > 0 } text && int.TryParse(text, CultureInfo.InvariantCulture, out var written))
            {
                return written.ToString(CultureInfo.InvariantCulture);
            }

            await Task.Delay(50, cancellationToken).ConfigureAwait(false);
        }

        return "unknown";
    }

    /// <summary>The pid /proc/locks gives for the FLOCK on this file, or null.</summary>
    internal static int? LockTableHolder(SafeFileHandle handle)
    {
        try
        {
            var (major, minor, inode) = Posix.Identity(handle);
            return ParseLockTable(File.ReadAllText("/proc/locks"), major, minor, inode);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>
    /// Lines look like <c>1: FLOCK  ADVISORY  WRITE 1234 00:2a:5678 0 EOF</c> (device in hex, inode in
    /// decimal); waiters' lines carry <c>-&gt;</c> and are skipped.
    /// </summary>
    internal static int? ParseLockTable(string table, uint major, uint minor, ulong inode)
    {
        foreach (var line in table.Split('\n'))
        {
            var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length < 6 || fields[1] != "FLOCK")
            {
                continue;
            }

            var id = fields[5].Split(':');
            if (id.Length == 3
                && uint.TryParse(id[0], NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var lineMajor) && lineMajor == major
                && uint.TryParse(id[1], NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var lineMinor) && lineMinor == minor
                && ulong.TryParse(id[2], CultureInfo.InvariantCulture, out var lineInode) && lineInode == inode
                && int.TryParse(fields[4], CultureInfo.InvariantCulture, out var pid) && pid > 0)
            {
                return pid;
            }
        }

        return null;
    }
}
