using CocoonNet.Node.Linux;

namespace CocoonNet.Host.Agent;

/// <summary>
/// Which pool.json the agent read: its identity, size and modification time, taken with stat calls alone (no open,
/// no read). Every writer replaces the file atomically (a new inode), so a different stamp means another file;
/// size and mtime also tell apart a new file that reuses a freed inode number. <see cref="Missing"/> when absent.
/// </summary>
internal readonly record struct PoolStamp(ulong Device, ulong Inode, long Length, DateTime Modified)
{
    public static PoolStamp Missing => default;

    public static PoolStamp Of(string path)
    {
        if (!Posix.TryFacts(path, out var facts, out _))
        {
            return Missing;
        }

        var info = new FileInfo(path);
        return info.Exists ? new PoolStamp(facts.Device, facts.Inode, info.Length, info.LastWriteTimeUtc) : Missing;
    }
}
