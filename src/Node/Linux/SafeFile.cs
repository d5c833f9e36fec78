namespace CocoonNet.Node.Linux;

/// <summary>
/// Reading and preparing files as root without being steered: never through a symbolic link, never
/// blocking on a FIFO or device, never reading an unbounded file. A path that is not what cocoon-net
/// expects is refused with a message naming the path, what it is, and what to do.
/// </summary>
internal static class SafeFile
{
    public enum ReadOutcome
    {
        Missing,
        TooLarge,
        Read,
    }

    /// <summary>
    /// Reads a regular file of at most <paramref name="maxBytes"/>. A symlink, FIFO, directory, device or
    /// socket at <paramref name="path"/> throws <see cref="UnsafeFileException"/>; nothing there is <see cref="ReadOutcome.Missing"/>.
    /// </summary>
    public static ReadOutcome TryRead(string path, long maxBytes, out byte[] content)
    {
        content = [];
        // Look before opening: opening a device can have effects of its own.
        var kind = Posix.Lstat(path, "reading");
        if (kind == FileKind.Missing)
        {
            return ReadOutcome.Missing;
        }

        RequireRegular(path, kind);
        using var handle = Posix.Open(path, Posix.O_RDONLY | Posix.O_NOFOLLOW | Posix.O_NONBLOCK | Posix.O_CLOEXEC | Posix.O_NOCTTY, 0, out var errno);
        if (handle.IsInvalid)
        {
            return errno switch
            {
                Posix.ENOENT or Posix.ENOTDIR => ReadOutcome.Missing,
                Posix.ELOOP => throw NotRegular(path, FileKind.Symlink),
                _ => throw Posix.Error(errno, $"reading {path}"),
            };
        }

        // Checked again on what was opened: the path may have been swapped since the look.
        RequireRegular(path, Posix.Stat(handle, out var size));
        if (size > maxBytes)
        {
            return ReadOutcome.TooLarge;
        }

        var buffer = new byte[Math.Min(size, maxBytes) + 1];
        var total = 0;
        while (true)
        {
            if (total == buffer.Length)
            {
                if (buffer.Length > maxBytes)
                {
                    return ReadOutcome.TooLarge; // grew while being read
                }

                Array.Resize(ref buffer, (int)Math.Min(maxBytes + 1, (long)buffer.Length * 2));
            }

            var read = Posix.Read(handle, buffer.AsSpan(total), path);
            if (read == 0)
            {
                break;
            }

            total += read;
        }

        content = buffer[..total];
        return ReadOutcome.Read;
    }

    /// <summary>Throws <see cref="UnsafeFileException"/> unless <paramref name="kind"/> is a regular file.</summary>
    public static void RequireRegular(string path, FileKind kind)
    {
        if (kind != FileKind.Regular)
        {
            throw NotRegular(path, kind);
        }
    }

    /// <summary>
    /// A directory cocoon-net writes into: created (with its missing parents) when absent, refused when it
    /// is a symbolic link or not a directory. Reports a full or read-only disk as such.
    /// </summary>
    public static void EnsureDirectory(string path, UnixFileMode mode)
    {
        path = Path.TrimEndingDirectorySeparator(path);
        switch (Posix.Lstat(path))
        {
            case FileKind.Directory:
                return;
            case FileKind.Missing:
                if (Path.GetDirectoryName(path) is { Length: > 0 } parent && parent != path && Posix.Lstat(parent) == FileKind.Missing)
                {
                    // Ancestors are only created, never judged: a distribution may link /var/run or /etc/cni.
                    EnsureAncestor(parent);
                }

                if (!Posix.Mkdir(path, mode))
                {
                    RequireDirectory(path);
                }

                return;
            default:
                RequireDirectory(path);
                return;
        }
    }

    /// <summary>Throws unless <paramref name="path"/> itself (not a link to one) is a directory.</summary>
    public static void RequireDirectory(string path)
    {
        var kind = Posix.Lstat(Path.TrimEndingDirectorySeparator(path));
        if (kind == FileKind.Symlink)
        {
            throw new UnsafeFileException(
                $"{path} is a symbolic link; cocoon-net writes only into real directories, never through a link: replace it with a directory and retry");
        }

        if (kind == FileKind.Missing)
        {
            throw new DirectoryNotFoundException($"cannot write into {path}: it does not exist");
        }

        if (kind != FileKind.Directory)
        {
            throw new UnsafeFileException($"{path} is {Describe(kind)}, not a directory: remove or rename it and retry");
        }
    }

    public static UnsafeFileException NotRegular(string path, FileKind kind) => kind == FileKind.Symlink
        ? new UnsafeFileException(
            $"{path} is a symbolic link; cocoon-net never reads or writes through a link: remove the link (or replace it with the real file) and retry")
        : new UnsafeFileException($"{path} is {Describe(kind)}, not a regular file: remove or rename it and retry");

    public static string Describe(FileKind kind) => kind switch
    {
        FileKind.Regular => "a regular file",
        FileKind.Directory => "a directory",
        FileKind.Symlink => "a symbolic link",
        FileKind.Fifo => "a named pipe (FIFO)",
        FileKind.Socket => "a socket",
        FileKind.CharacterDevice => "a character device",
        FileKind.BlockDevice => "a block device",
        FileKind.Missing => "missing",
        _ => "a special file",
    };

    private static void EnsureAncestor(string path)
    {
        if (Path.GetDirectoryName(path) is { Length: > 0 } parent && parent != path && Posix.Lstat(parent) == FileKind.Missing)
        {
            EnsureAncestor(parent);
        }

        _ = Posix.Mkdir(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
            | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
    }
}
