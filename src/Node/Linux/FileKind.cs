namespace CocoonNet.Node.Linux;

/// <summary>What a path names, as the kernel sees it (lstat/fstat file type).</summary>
internal enum FileKind
{
    Missing,
    Regular,
    Directory,
    Symlink,
    Fifo,
    Socket,
    CharacterDevice,
    BlockDevice,
    Other,
}
