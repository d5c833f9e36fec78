using CocoonNet.Node.Linux;
using Microsoft.Win32.SafeHandles;

namespace CocoonNet.Host.AgentProcess;

/// <summary>
/// One agent per node: an exclusive flock on a file in <c>/run/cocoon-net/agent-lock</c>, a directory only root
/// can write, named for the state directory as it resolves (so a symlinked spelling of it is the same node). No
/// other user can create, open or keep that file, so no one but root can keep the agent from starting; the kernel
/// drops the lock when the holder dies, whatever killed it. <c>/run/cocoon-net</c> is on the host (the DaemonSet
/// mounts it), so agents in two pods see each other's lock.
/// </summary>
internal sealed class AgentSingleton : IDisposable
{
    public const string DirectoryName = "agent-lock";

    private const UnixFileMode FileMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    // As the dhcp step makes it, when the agent is the first of cocoon-net on the node.
    private const UnixFileMode RunDirectoryMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
        | UnixFileMode.GroupRead | UnixFileMode.GroupExecute;

    private const int Attempts = 5;

    private readonly SafeFileHandle _handle;
    private readonly string _path;

    private AgentSingleton(SafeFileHandle handle, string path)
    {
        _handle = handle;
        _path = path;
    }

    public static string LockDirectory(HostPaths paths) => Path.Combine(paths.RunDirectory, DirectoryName);

    /// <summary>The lock file of the agent serving <paramref name="stateDirectory"/>.</summary>
    public static string LockFile(HostPaths paths, string stateDirectory) =>
        Path.Combine(LockDirectory(paths), $"{Fnv1a.AddBlock(Fnv1a.Seed, RealPath.Resolve(stateDirectory)):x16}.lock");

    /// <summary>Null when another agent already serves <paramref name="stateDirectory"/>.</summary>
    public static AgentSingleton? TryAcquire(HostPaths paths, string stateDirectory)
    {
        var path = LockFile(paths, stateDirectory);
        for (var attempt = 1; ; attempt++)
        {
            SafeFile.EnsureDirectory(paths.RunDirectory, RunDirectoryMode);
            RootOnlyDirectory.Ensure(LockDirectory(paths));
            var handle = Posix.Open(path, Posix.O_RDWR | Posix.O_CREAT | Posix.O_NOFOLLOW | Posix.O_CLOEXEC, FileMode, out var errno);
            if (handle.IsInvalid)
            {
                handle.Dispose();
                if (errno == Posix.ENOENT && attempt < Attempts)
                {
                    continue; // the directory went with the last holder between the check and the open
                }

                throw errno == Posix.ELOOP ? SafeFile.NotRegular(path, FileKind.Symlink) : Posix.Error(errno, $"opening {path}");
            }

            try
            {
                RootOnlyDirectory.RequireOwnFile(handle, path);
                if (!Posix.TryLockExclusive(handle, path))
                {
                    handle.Dispose();
                    return null;
                }

                // The holder unlinks the file on its way out: a lock taken on the unlinked one guards nothing.
                if (RootOnlyDirectory.SameFile(handle, path))
                {
                    return new AgentSingleton(handle, path);
                }
            }
            catch
            {
                handle.Dispose();
                throw;
            }

            handle.Dispose();
            if (attempt >= Attempts)
            {
                throw new IOException($"error locking {path}: it keeps being replaced; retry");
            }
        }
    }

    /// <summary>
    /// Teardown's last step. An agent that was the first of cocoon-net on the node made <c>/run/cocoon-net</c> (and
    /// any missing parent) for its lock, so the dhcp step found it there and did not record it as cocoon-net's:
    /// removed here once empty, up to the root, stopping at a mount point (the DaemonSet's hostPath volume, /run).
    /// </summary>
    public static void RemoveRunDirectory(HostPaths paths)
    {
        _ = RootOnlyDirectory.TryRemove(LockDirectory(paths));
        var mountPoints = MountPoints.Read();
        var root = Path.TrimEndingDirectorySeparator(paths.Root);
        for (var directory = paths.RunDirectory;
             directory.Length > root.Length && directory.StartsWith(root, StringComparison.Ordinal)
                 && Posix.Lstat(directory) == FileKind.Directory && !mountPoints.Contains(directory)
                 // Never a top-level directory such as /run: in a container it may be a plain, empty directory.
                 && Path.GetDirectoryName(directory) != "/";
             directory = Path.GetDirectoryName(directory)!)
        {
            if (!RootOnlyDirectory.TryRemove(directory))
            {
                return;
            }
        }
    }

    /// <summary>Removes the file (and the directory, once no agent uses it) while still holding the lock, then lets go.</summary>
    public void Dispose()
    {
        try
        {
            Posix.Unlink(_path);
            _ = RootOnlyDirectory.TryRemove(Path.GetDirectoryName(_path)!);
        }
        catch (IOException)
        {
            // Best effort: a file left behind is locked and checked like a new one by the next agent.
        }

        _handle.Dispose();
    }
}
