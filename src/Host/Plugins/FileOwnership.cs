using System.Runtime.InteropServices;
using CocoonNet.Node.Linux;
using Microsoft.Win32.SafeHandles;

namespace CocoonNet.Host.Plugins;

/// <summary>
/// Whether a path can be written by someone other than root: by owner, mode bits or a POSIX ACL. A plugin
/// folder a non-root user can write is a root shell for that user, since cocoon-net runs as root and
/// executes the plugin's code. Each reason names the path and the command that fixes it.
/// </summary>
internal static partial class FileOwnership
{
    private const int ENODATA = 61;
    private const int EOPNOTSUPP = 95;
    private const uint TypeMask = 0xF000;
    private const uint Symlink = 0xA000;
    private const uint Sticky = 0x200;
    private const uint GroupWrite = 0x10;
    private const uint OtherWrite = 0x2;

    /// <summary>Null when only root can write <paramref name="path"/> (itself, never what a symlink there points at), else why not.</summary>
    public static string? WhyWritableByOthers(string path) => Judge(path, ancestor: false, Stat(path, handle: null));

    /// <summary>Null when only root can write what <paramref name="handle"/> is open on; <paramref name="path"/> names it.</summary>
    public static string? WhyWritableByOthers(SafeFileHandle handle, string path) => Judge(path, ancestor: false, Stat(path, handle));

    /// <summary>
    /// Checks <paramref name="directory"/> and every ancestor (a writable parent could swap the folder out).
    /// An ancestor that is root-owned and sticky, such as <c>/tmp</c>, is allowed: others may add entries
    /// there but never rename or remove root's. The directory itself gets no such allowance: anyone who can
    /// add a folder to it adds a plugin.
    /// </summary>
    public static string? WhyTreeWritableByOthers(string directory)
    {
        var full = Path.GetFullPath(directory);
        for (var current = full; !string.IsNullOrEmpty(current); current = Path.GetDirectoryName(current))
        {
            if (Judge(current, ancestor: current != full, Stat(current, handle: null)) is { } reason)
            {
                return reason;
            }
        }

        return null;
    }

    private readonly record struct Facts(bool Found, uint Uid, uint Gid, uint Mode, string? AclWriter);

    private static string? Judge(string path, bool ancestor, Facts facts)
    {
        if (!facts.Found)
        {
            return $"{path}: cannot stat";
        }

        if ((facts.Mode & TypeMask) == Symlink)
        {
            return $"{path} is a symbolic link, which could be pointed elsewhere; put the real directory or file there";
        }

        if (facts.Uid != 0)
        {
            return $"{path} is owned by uid {facts.Uid}, not root; run chown root {path}";
        }

        if (ancestor && (facts.Mode & Sticky) != 0)
        {
            return null;
        }

        if ((facts.Mode & OtherWrite) != 0)
        {
            return $"{path} is world-writable; run chmod go-w {path}";
        }

        if ((facts.Mode & GroupWrite) != 0 && facts.Gid != 0)
        {
            return $"{path} is writable by group {facts.Gid}; run chmod go-w {path}";
        }

        return facts.AclWriter is { } writer ? $"{path} has an ACL that lets {writer} write; run setfacl -b {path}" : null;
    }

    private static Facts Stat(string path, SafeFileHandle? handle)
    {
        var found = handle is null ? Posix.TryFacts(path, out var facts, out _) : Posix.TryFacts(handle, out facts);
        if (!found)
        {
            return default;
        }

        var acl = facts.Kind == FileKind.Symlink ? null : AclWriter(path, handle);
        return new Facts(true, facts.Uid, facts.Gid, facts.Mode, acl);
    }

    /// <summary>Who else the access ACL lets write; null without one (or on a filesystem without ACLs).</summary>
    private static string? AclWriter(string path, SafeFileHandle? handle)
    {
        // 4096 bytes hold 511 entries; a larger ACL is refused rather than half-read.
        Span<byte> buffer = stackalloc byte[4096];
        var length = handle is null
            ? Lgetxattr(path, PosixAcl.AccessAttribute, buffer, (nuint)buffer.Length)
            : Fgetxattr(handle, PosixAcl.AccessAttribute, buffer, (nuint)buffer.Length);
        if (length >= 0)
        {
            return PosixAcl.WhoElseCanWrite(buffer[..(int)length]);
        }

        return Marshal.GetLastPInvokeError() is ENODATA or EOPNOTSUPP ? null : "an ACL that cannot be read";
    }

    [LibraryImport("libc", EntryPoint = "lgetxattr", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial nint Lgetxattr(string path, string name, Span<byte> value, nuint size);

    [LibraryImport("libc", EntryPoint = "fgetxattr", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial nint Fgetxattr(SafeFileHandle fd, string name, Span<byte> value, nuint size);
}
