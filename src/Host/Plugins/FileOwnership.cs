using System.Runtime.InteropServices;

namespace CocoonNet.Host.Plugins;

/// <summary>
/// Whether a path can be written by someone other than root. A plugin folder a non-root user can write
/// is a root shell for that user, since cocoon-net runs as root and executes the plugin's code.
/// </summary>
internal static partial class FileOwnership
{
    private const int AtFdCwd = -100;
    private const int AtSymlinkNofollow = 0x100;
    private const uint StatxBasicStats = 0x7ff;

    /// <summary>Null when only root can write <paramref name="path"/>, else why not.</summary>
    public static string? WhyWritableByNonRoot(string path)
    {
        if (!TryStat(path, out var uid, out var gid, out var mode))
        {
            return $"{path}: cannot stat";
        }

        var sticky = (mode & 0x200) != 0;
        if (uid != 0)
        {
            return $"{path} is owned by uid {uid}, not root";
        }

        if ((mode & 0x2) != 0 && !sticky)
        {
            return $"{path} is world-writable";
        }

        if ((mode & 0x10) != 0 && gid != 0 && !sticky)
        {
            return $"{path} is writable by group {gid}";
        }

        return null;
    }

    /// <summary>Checks the path and every ancestor (a writable parent could swap the folder out).</summary>
    public static string? WhyTreeWritableByNonRoot(string path)
    {
        for (var current = Path.GetFullPath(path); !string.IsNullOrEmpty(current); current = Path.GetDirectoryName(current))
        {
            if (WhyWritableByNonRoot(current) is { } reason)
            {
                return reason;
            }
        }

        return null;
    }

    private static unsafe bool TryStat(string path, out uint uid, out uint gid, out uint mode)
    {
        // struct statx: stx_mask(4) stx_blksize(4) stx_attributes(8) stx_nlink(4) stx_uid(4) stx_gid(4) stx_mode(2) ...
        var buffer = stackalloc byte[256];
        var result = Statx(AtFdCwd, path, AtSymlinkNofollow, StatxBasicStats, buffer);
        uid = *(uint*)(buffer + 20);
        gid = *(uint*)(buffer + 24);
        mode = *(ushort*)(buffer + 28);
        return result == 0;
    }

    [LibraryImport("libc", EntryPoint = "statx", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static unsafe partial int Statx(int dirfd, string path, int flags, uint mask, byte* buffer);
}
