using System.Buffers.Binary;
using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace CocoonNet.Host.Linux;

/// <summary>
/// A directory only this user (root) may write into, for files whose mere presence decides something (a lock):
/// created 0700 without following a link, and refused when it is a link, someone else's, or writable by group or
/// others, since then another user could put, keep or replace what is inside.
/// </summary>
internal static partial class RootOnlyDirectory
{
    public const UnixFileMode Mode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

    private const int AT_FDCWD = -100;
    private const int AT_SYMLINK_NOFOLLOW = 0x100;
    private const int AT_EMPTY_PATH = 0x1000;
    private const uint STATX_TYPE = 0x1, STATX_MODE = 0x2, STATX_UID = 0x8, STATX_INO = 0x100;
    private const int StatxSize = 256, UidOffset = 20, ModeOffset = 28, InoOffset = 32, DevMajorOffset = 136, DevMinorOffset = 140;
    private const int ENOENT = 2;
    private const ushort GroupOrOtherWrite = 0x12; // 020 | 002

    /// <summary>Creates <paramref name="path"/> (its parent must exist) or checks the one there.</summary>
    public static void Ensure(string path)
    {
        // A directory removed between mkdir's EEXIST and the check (its last user leaving) is simply made again.
        for (var attempt = 0; attempt < 5; attempt++)
        {
            _ = Posix.Mkdir(path, Mode);
            if (Check(path) is { } status)
            {
                Require(path, status, isDirectory: true);
                return;
            }
        }

        throw new IOException($"error creating {path}: it keeps disappearing; retry");
    }

    /// <summary>Throws unless <paramref name="handle"/> is a regular file of this user that group and others cannot write.</summary>
    public static void RequireOwnFile(SafeFileHandle handle, string path) =>
        Require(path, Stat(handle) ?? throw new IOException($"error inspecting {path}"), isDirectory: false);

    /// <summary>True when <paramref name="path"/> (not followed) is still the file <paramref name="handle"/> is open on.</summary>
    public static bool SameFile(SafeFileHandle handle, string path) =>
        Check(path) is { } named && Stat(handle) is { } open
        && named.Device == open.Device && named.Inode == open.Inode;

    /// <summary>rmdir(2) when empty; anything else (gone, not empty, busy) leaves it and is false.</summary>
    public static bool TryRemove(string path) => RmdirRaw(path) == 0;

    private static void Require(string path, Status status, bool isDirectory)
    {
        var kind = status.Mode & 0xF000;
        if (kind == 0xA000)
        {
            throw new UnsafeFileException($"{path} is a symbolic link; cocoon-net keeps its agent lock only in a real directory: remove the link and retry");
        }

        if (kind != (isDirectory ? 0x4000 : 0x8000))
        {
            throw new UnsafeFileException($"{path} is not a {(isDirectory ? "directory" : "regular file")}: remove or rename it and retry");
        }

        if (status.Uid != Geteuid())
        {
            throw new UnsafeFileException($"{path} belongs to uid {status.Uid}, not to root: another user could hold the agent's lock; remove it (rm -r {path}) and retry");
        }

        if ((status.Mode & GroupOrOtherWrite) != 0)
        {
            throw new UnsafeFileException($"{path} is writable by group or others: another user could hold the agent's lock; remove it (rm -r {path}) and retry");
        }
    }

    private readonly record struct Status(uint Uid, ushort Mode, ulong Device, ulong Inode);

    private static Status? Check(string path)
    {
        var buffer = new byte[StatxSize];
        if (StatxPath(AT_FDCWD, path, AT_SYMLINK_NOFOLLOW, STATX_TYPE | STATX_MODE | STATX_UID | STATX_INO, buffer) == 0)
        {
            return Read(buffer);
        }

        var errno = Marshal.GetLastPInvokeError();
        return errno == ENOENT ? null : throw Posix.Error(errno, $"inspecting {path}");
    }

    private static Status? Stat(SafeFileHandle handle)
    {
        var buffer = new byte[StatxSize];
        return StatxHandle(handle, "", AT_EMPTY_PATH, STATX_TYPE | STATX_MODE | STATX_UID | STATX_INO, buffer) == 0 ? Read(buffer) : null;
    }

    private static Status Read(byte[] buffer)
    {
        var span = buffer.AsSpan();
        var device = ((ulong)BinaryPrimitives.ReadUInt32LittleEndian(span[DevMajorOffset..]) << 32) | BinaryPrimitives.ReadUInt32LittleEndian(span[DevMinorOffset..]);
        return new Status(BinaryPrimitives.ReadUInt32LittleEndian(span[UidOffset..]), BinaryPrimitives.ReadUInt16LittleEndian(span[ModeOffset..]),
            device, BinaryPrimitives.ReadUInt64LittleEndian(span[InoOffset..]));
    }

    [LibraryImport("libc", EntryPoint = "statx", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int StatxPath(int dirfd, string path, int flags, uint mask, [Out] byte[] buffer);

    [LibraryImport("libc", EntryPoint = "statx", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int StatxHandle(SafeFileHandle dirfd, string path, int flags, uint mask, [Out] byte[] buffer);

    [LibraryImport("libc", EntryPoint = "rmdir", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int RmdirRaw(string path);

    [LibraryImport("libc", EntryPoint = "geteuid")]
    private static partial uint Geteuid();
}
