namespace CocoonNet.Node.Linux;

/// <summary>
/// What statx(2) says of one file for the checks that decide whom to trust: owner, group, type and permission bits
/// (<see cref="Mode"/> as st_mode), and its identity (device, inode) to tell whether a path still names an open file.
/// </summary>
internal readonly record struct FileFacts(uint Uid, uint Gid, ushort Mode, ulong Device, ulong Inode)
{
    public FileKind Kind => Posix.KindOf(Mode);
}
