using System.Buffers.Binary;

namespace CocoonNet.Host.Plugins;

/// <summary>
/// Reads a POSIX access ACL (the <c>system.posix_acl_access</c> extended attribute) for the one question the
/// plugin checks ask: does it let a user or group other than root write? The mode bits alone do not say:
/// with an ACL the group bits show the mask, so <c>setfacl -m u:nobody:rwx</c> on a root:root 0755 file
/// leaves a mode that looks safe.
/// </summary>
internal static class PosixAcl
{
    public const string AccessAttribute = "system.posix_acl_access";

    // The kernel's xattr layout: a little-endian u32 version (2), then entries {u16 tag, u16 perm, u32 id}.
    private const uint Version = 2;
    private const int HeaderSize = 4;
    private const int EntrySize = 8;
    private const ushort User = 0x02;
    private const ushort Group = 0x08;
    private const ushort Mask = 0x10;
    private const ushort Write = 0x2;

    /// <summary>
    /// Null when no named entry lets a non-root user or group write (under the mask), else who can, such as
    /// "user 65534". An attribute this cannot read counts as letting someone write: it fails closed.
    /// </summary>
    public static string? WhoElseCanWrite(ReadOnlySpan<byte> attribute)
    {
        if (attribute.Length < HeaderSize || (attribute.Length - HeaderSize) % EntrySize != 0
            || BinaryPrimitives.ReadUInt32LittleEndian(attribute) != Version)
        {
            return "an ACL in an unknown format";
        }

        var entries = attribute[HeaderSize..];
        var maskAllowsWrite = true;
        for (var at = 0; at < entries.Length; at += EntrySize)
        {
            if (BinaryPrimitives.ReadUInt16LittleEndian(entries[at..]) == Mask)
            {
                maskAllowsWrite = (BinaryPrimitives.ReadUInt16LittleEndian(entries[(at + 2)..]) & Write) != 0;
            }
        }

        if (!maskAllowsWrite)
        {
            return null;
        }

        for (var at = 0; at < entries.Length; at += EntrySize)
        {
            var tag = BinaryPrimitives.ReadUInt16LittleEndian(entries[at..]);
            var perm = BinaryPrimitives.ReadUInt16LittleEndian(entries[(at + 2)..]);
            var id = BinaryPrimitives.ReadUInt32LittleEndian(entries[(at + 4)..]);
            if (tag is User or Group && (perm & Write) != 0 && id != 0)
            {
                return tag == User ? $"user {id}" : $"group {id}";
            }
        }

        return null;
    }
}
