using System.Buffers.Binary;
using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace CocoonNet.Node.Linux;

/// <summary>
/// The few file syscalls whose flags .NET does not expose (O_NOFOLLOW, O_EXCL on a chosen name, O_NONBLOCK,
/// fchmod, statx on a handle). Every call reports errno, so callers can name the failure precisely.
/// </summary>
internal static partial class Posix
{
    public const int ENOENT = 2;
    public const int EACCES = 13;
    public const int EEXIST = 17;
    public const int ENOTDIR = 20;
    public const int EISDIR = 21;
    public const int ENOSPC = 28;
    public const int EROFS = 30;
    public const int ELOOP = 40;
    public const int EWOULDBLOCK = 11;
    public const int EDQUOT = 122;
    public const int EPERM = 1;

    public const int O_RDONLY = 0;
    public const int O_WRONLY = 1;
    public const int O_RDWR = 2;
    public const int O_CREAT = 0x40;
    public const int O_EXCL = 0x80;
    public const int O_NOCTTY = 0x100;
    public const int O_NONBLOCK = 0x800;
    public const int O_CLOEXEC = 0x80000;

    private const int AT_FDCWD = -100;
    private const int AT_SYMLINK_NOFOLLOW = 0x100;
    private const int AT_EMPTY_PATH = 0x1000;
    private const uint STATX_TYPE_MODE_SIZE = 0x1 | 0x2 | 0x200; // STATX_TYPE | STATX_MODE | STATX_SIZE
    private const int LOCK_EX = 2;
    private const int LOCK_NB = 4;

    // The generic (arm64, riscv) and x86 ABIs disagree on these two.
    private static readonly bool GenericAbi = RuntimeInformation.ProcessArchitecture is Architecture.Arm64 or Architecture.Arm
        or Architecture.RiscV64 or Architecture.LoongArch64;

    public static int O_DIRECTORY => GenericAbi ? 0x4000 : 0x10000;

    public static int O_NOFOLLOW => GenericAbi ? 0x8000 : 0x20000;

    /// <summary>open(2); the handle is invalid and <paramref name="errno"/> set on failure.</summary>
    public static SafeFileHandle Open(string path, int flags, UnixFileMode mode, out int errno)
    {
        int fd;
        do
        {
            fd = OpenRaw(path, flags, (uint)mode);
            errno = fd < 0 ? Marshal.GetLastPInvokeError() : 0;
        }
        while (fd < 0 && errno == EINTR);

        return new SafeFileHandle(fd, ownsHandle: fd >= 0);
    }

    /// <summary>File type and size of what <paramref name="handle"/> is open on.</summary>
    public static FileKind Stat(SafeFileHandle handle, out long size)
    {
        var buffer = new byte[StatxSize];
        var result = StatxHandle(handle, "", AT_EMPTY_PATH, STATX_TYPE_MODE_SIZE, buffer);
        if (result != 0)
        {
            throw Error(Marshal.GetLastPInvokeError(), "inspecting an open file");
        }

        size = (long)BinaryPrimitives.ReadUInt64LittleEndian(buffer.AsSpan(StatxSizeOffset));
        return KindOf(BinaryPrimitives.ReadUInt16LittleEndian(buffer.AsSpan(StatxModeOffset)));
    }

    /// <summary>What is at <paramref name="path"/> itself (a symlink is not followed); <see cref="FileKind.Missing"/> when nothing is.</summary>
    public static FileKind Lstat(string path, string doing = "inspecting")
    {
        var buffer = new byte[StatxSize];
        if (StatxPath(AT_FDCWD, path, AT_SYMLINK_NOFOLLOW, STATX_TYPE_MODE_SIZE, buffer) == 0)
        {
            return KindOf(BinaryPrimitives.ReadUInt16LittleEndian(buffer.AsSpan(StatxModeOffset)));
        }

        var errno = Marshal.GetLastPInvokeError();
        return errno is ENOENT or ENOTDIR ? FileKind.Missing : throw Error(errno, $"{doing} {path}");
    }

    /// <summary>
    /// Owner, mode and identity of <paramref name="path"/> itself (a symlink is not followed); false with the errno
    /// when it cannot be inspected (ENOENT when nothing is there).
    /// </summary>
    public static bool TryFacts(string path, out FileFacts facts, out int errno)
    {
        var buffer = new byte[StatxSize];
        if (StatxPath(AT_FDCWD, path, AT_SYMLINK_NOFOLLOW, STATX_FACTS, buffer) == 0)
        {
            facts = ReadFacts(buffer);
            errno = 0;
            return true;
        }

        facts = default;
        errno = Marshal.GetLastPInvokeError();
        return false;
    }

    /// <summary>As above for what <paramref name="handle"/> is open on.</summary>
    public static bool TryFacts(SafeFileHandle handle, out FileFacts facts)
    {
        var buffer = new byte[StatxSize];
        var ok = StatxHandle(handle, "", AT_EMPTY_PATH, STATX_FACTS, buffer) == 0;
        facts = ok ? ReadFacts(buffer) : default;
        return ok;
    }

    private static FileFacts ReadFacts(byte[] buffer)
    {
        var span = buffer.AsSpan();
        var device = ((ulong)BinaryPrimitives.ReadUInt32LittleEndian(span[StatxDevMajorOffset..]) << 32)
                     | BinaryPrimitives.ReadUInt32LittleEndian(span[StatxDevMinorOffset..]);
        return new FileFacts(
            BinaryPrimitives.ReadUInt32LittleEndian(span[StatxUidOffset..]),
            BinaryPrimitives.ReadUInt32LittleEndian(span[StatxGidOffset..]),
            BinaryPrimitives.ReadUInt16LittleEndian(span[StatxModeOffset..]),
            device,
            BinaryPrimitives.ReadUInt64LittleEndian(span[StatxInoOffset..]));
    }

    public static void Fchmod(SafeFileHandle handle, UnixFileMode mode, string path)
    {
        if (FchmodRaw(handle, (uint)mode) != 0)
        {
            throw Error(Marshal.GetLastPInvokeError(), $"setting the mode of {path}");
        }
    }

    public static void Fsync(SafeFileHandle handle, string path)
    {
        if (FsyncRaw(handle) != 0)
        {
            throw Error(Marshal.GetLastPInvokeError(), $"flushing {path} to disk");
        }
    }

    /// <summary>rename(2): replaces <paramref name="to"/> itself, never what a link there points at.</summary>
    public static void Rename(string from, string to)
    {
        if (RenameRaw(from, to) != 0)
        {
            throw Error(Marshal.GetLastPInvokeError(), $"replacing {to}");
        }
    }

    /// <summary>unlink(2), ignoring a file already gone.</summary>
    public static void Unlink(string path)
    {
        if (UnlinkRaw(path) != 0 && Marshal.GetLastPInvokeError() is var errno && errno != ENOENT)
        {
            throw Error(errno, $"removing {path}");
        }
    }

    /// <summary>write(2) until all of <paramref name="data"/> is written at the current offset.</summary>
    public static void WriteAll(SafeFileHandle handle, ReadOnlySpan<byte> data, string path)
    {
        while (!data.IsEmpty)
        {
            var written = WriteRaw(handle, data, (nuint)data.Length);
            if (written < 0)
            {
                var errno = Marshal.GetLastPInvokeError();
                if (errno == EINTR)
                {
                    continue;
                }

                throw Error(errno, $"writing {path}");
            }

            data = data[(int)written..];
        }
    }

    /// <summary>read(2) into <paramref name="buffer"/>; 0 at end of file.</summary>
    public static int Read(SafeFileHandle handle, Span<byte> buffer, string path)
    {
        while (true)
        {
            var read = ReadRaw(handle, buffer, (nuint)buffer.Length);
            if (read >= 0)
            {
                return (int)read;
            }

            var errno = Marshal.GetLastPInvokeError();
            if (errno != EINTR)
            {
                throw Error(errno, $"reading {path}");
            }
        }
    }

    /// <summary>pread(2) from offset 0, up to the buffer's size.</summary>
    public static int ReadAt(SafeFileHandle handle, Span<byte> buffer, long offset, string path)
    {
        var read = PreadRaw(handle, buffer, (nuint)buffer.Length, offset);
        return read >= 0 ? (int)read : throw Error(Marshal.GetLastPInvokeError(), $"reading {path}");
    }

    public static void Truncate(SafeFileHandle handle, string path)
    {
        if (FtruncateRaw(handle, 0) != 0)
        {
            throw Error(Marshal.GetLastPInvokeError(), $"writing {path}");
        }
    }

    /// <summary>mkdir(2); false when something already exists there.</summary>
    public static bool Mkdir(string path, UnixFileMode mode)
    {
        if (MkdirRaw(path, (uint)mode) == 0)
        {
            return true;
        }

        var errno = Marshal.GetLastPInvokeError();
        return errno == EEXIST ? false : throw Error(errno, $"creating {path}");
    }

    /// <summary>Device (major, minor) and inode of what <paramref name="handle"/> is open on, as /proc/locks shows them.</summary>
    public static (uint Major, uint Minor, ulong Inode) Identity(SafeFileHandle handle)
    {
        var buffer = new byte[StatxSize];
        if (StatxHandle(handle, "", AT_EMPTY_PATH, STATX_INO, buffer) != 0)
        {
            throw Error(Marshal.GetLastPInvokeError(), "inspecting an open file");
        }

        var span = buffer.AsSpan();
        return (BinaryPrimitives.ReadUInt32LittleEndian(span[StatxDevMajorOffset..]), BinaryPrimitives.ReadUInt32LittleEndian(span[StatxDevMinorOffset..]),
            BinaryPrimitives.ReadUInt64LittleEndian(span[StatxInoOffset..]));
    }

    /// <summary>An exclusive flock without waiting: false when another process holds it.</summary>
    public static bool TryLockExclusive(SafeFileHandle handle, string path)
    {
        while (true)
        {
            if (Flock(handle, LOCK_EX | LOCK_NB) == 0)
            {
                return true;
            }

            var errno = Marshal.GetLastPInvokeError();
            if (errno == EWOULDBLOCK)
            {
                return false;
            }

            if (errno != EINTR)
            {
                throw Error(errno, $"locking {path}");
            }
        }
    }

    /// <summary>
    /// An exception whose message says what failed in words an operator acts on: a full or read-only disk
    /// and a missing privilege are named as such. <paramref name="action"/> reads like "creating /a/b".
    /// </summary>
    public static IOException Error(int errno, string action) => errno switch
    {
        ENOSPC => new IOException($"no space left on device {action}; free space on that filesystem and retry"),
        EDQUOT => new IOException($"disk quota exceeded {action}; free space or raise the quota and retry"),
        EROFS => new IOException($"read-only filesystem {action}; remount it read-write or choose another --state-dir"),
        EACCES or EPERM => new IOException(Environment.IsPrivilegedProcess
            ? $"permission denied {action} although running as root: check the file's attributes (lsattr) and the security module's policy"
            : $"permission denied {action}: cocoon-net must run as root"),
        _ => new IOException($"error {action}: {Describe(errno)}"),
    };

    /// <summary>strerror text (native, so never a stripped resource key).</summary>
    public static string Describe(int errno) => Marshal.GetPInvokeErrorMessage(errno) is { Length: > 0 } text ? text : $"errno {errno}";

    internal static FileKind KindOf(ushort mode) => (mode & 0xF000) switch
    {
        0x8000 => FileKind.Regular,
        0x4000 => FileKind.Directory,
        0xA000 => FileKind.Symlink,
        0x1000 => FileKind.Fifo,
        0xC000 => FileKind.Socket,
        0x2000 => FileKind.CharacterDevice,
        0x6000 => FileKind.BlockDevice,
        _ => FileKind.Other,
    };

    private const int EINTR = 4;

    // struct statx is the same on every architecture: stx_uid at 20, stx_gid at 24 (u32), stx_mode at 28 (u16),
    // stx_ino at 32, stx_size at 40 (u64), stx_dev_major/minor at 136/140 (u32); 256 bytes.
    private const int StatxSize = 256;
    private const int StatxUidOffset = 20;
    private const int StatxGidOffset = 24;
    private const int StatxModeOffset = 28;
    private const int StatxSizeOffset = 40;
    private const int StatxInoOffset = 32;
    private const int StatxDevMajorOffset = 136;
    private const int StatxDevMinorOffset = 140;
    private const uint STATX_INO = 0x100;
    private const uint STATX_FACTS = 0x1 | 0x2 | 0x8 | 0x10 | 0x100; // TYPE | MODE | UID | GID | INO

    [LibraryImport("libc", EntryPoint = "open", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int OpenRaw(string path, int flags, uint mode);

    [LibraryImport("libc", EntryPoint = "statx", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int StatxHandle(SafeFileHandle dirfd, string path, int flags, uint mask, [Out] byte[] buffer);

    [LibraryImport("libc", EntryPoint = "statx", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int StatxPath(int dirfd, string path, int flags, uint mask, [Out] byte[] buffer);

    [LibraryImport("libc", EntryPoint = "fchmod", SetLastError = true)]
    private static partial int FchmodRaw(SafeFileHandle fd, uint mode);

    [LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
    private static partial int FsyncRaw(SafeFileHandle fd);

    [LibraryImport("libc", EntryPoint = "rename", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int RenameRaw(string from, string to);

    [LibraryImport("libc", EntryPoint = "unlink", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int UnlinkRaw(string path);

    [LibraryImport("libc", EntryPoint = "write", SetLastError = true)]
    private static partial nint WriteRaw(SafeFileHandle fd, ReadOnlySpan<byte> buffer, nuint count);

    [LibraryImport("libc", EntryPoint = "read", SetLastError = true)]
    private static partial nint ReadRaw(SafeFileHandle fd, Span<byte> buffer, nuint count);

    [LibraryImport("libc", EntryPoint = "pread", SetLastError = true)]
    private static partial nint PreadRaw(SafeFileHandle fd, Span<byte> buffer, nuint count, long offset);

    [LibraryImport("libc", EntryPoint = "ftruncate", SetLastError = true)]
    private static partial int FtruncateRaw(SafeFileHandle fd, long length);

    [LibraryImport("libc", EntryPoint = "mkdir", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int MkdirRaw(string path, uint mode);

    [LibraryImport("libc", EntryPoint = "flock", SetLastError = true)]
    private static partial int Flock(SafeFileHandle fd, int operation);
}
