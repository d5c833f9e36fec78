using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace CocoonNet.Node.Linux;

/// <summary>
/// A directory only this user (root) may write into, for files whose mere presence decides something (a lock):
/// created 0700 without following a link, and refused when it is a link, someone else's, or writable by group or
/// others, since then another user could put, keep or replace what is inside.
/// </summary>
internal static partial class RootOnlyDirectory
{
    public const UnixFileMode Mode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

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

    private static void Require(string path, FileFacts status, bool isDirectory)
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

    /// <summary>What is at <paramref name="path"/> (not followed); null when nothing is.</summary>
    private static FileFacts? Check(string path) =>
        Posix.TryFacts(path, out var facts, out var errno) ? facts
        : errno == Posix.ENOENT ? null
        : throw Posix.Error(errno, $"inspecting {path}");

    private static FileFacts? Stat(SafeFileHandle handle) => Posix.TryFacts(handle, out var facts) ? facts : null;

    [LibraryImport("libc", EntryPoint = "rmdir", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int RmdirRaw(string path);

    [LibraryImport("libc", EntryPoint = "geteuid")]
    private static partial uint Geteuid();
}
