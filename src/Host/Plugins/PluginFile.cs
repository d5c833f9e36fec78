using System.Runtime.InteropServices;
using CocoonNet.Node.Linux;
using Microsoft.Win32.SafeHandles;

namespace CocoonNet.Host.Plugins;

/// <summary>
/// Opens a file of a plugin's folder for loading, checking what was opened rather than the path: the
/// folder, each directory below it and the file are opened one component at a time without following
/// symlinks, and each open handle must be root's and writable by no one else (mode and ACL). The caller
/// loads from the returned stream, so the bytes loaded are the bytes checked: nothing can swap the file
/// between the check and the load.
/// </summary>
internal static partial class PluginFile
{
    private static readonly int DirectoryFlags = Posix.O_RDONLY | Posix.O_DIRECTORY | Posix.O_NOFOLLOW | Posix.O_CLOEXEC;

    // O_NONBLOCK: a FIFO put where an assembly belongs must fail the type check, not block the open.
    private static readonly int FileFlags = Posix.O_RDONLY | Posix.O_NOFOLLOW | Posix.O_CLOEXEC | Posix.O_NONBLOCK;

    /// <summary>The checked file, open for reading.</summary>
    /// <exception cref="PluginFileException">The file is outside the folder, not a regular file, or writable by others.</exception>
    public static FileStream OpenChecked(string folder, string path)
    {
        var full = Path.GetFullPath(path);
        var relative = Path.GetRelativePath(folder, full);
        if (relative == "." || relative.StartsWith("..", StringComparison.Ordinal) || Path.IsPathRooted(relative))
        {
            throw new PluginFileException($"refusing to load {full}: it is outside the plugin's folder {folder}");
        }

        var directory = OpenChecked(directory: null, folder, folder, DirectoryFlags);
        try
        {
            var parts = relative.Split('/');
            var shown = folder;
            for (var i = 0; i < parts.Length - 1; i++)
            {
                shown = Path.Combine(shown, parts[i]);
                var next = OpenChecked(directory, parts[i], shown, DirectoryFlags);
                directory.Dispose();
                directory = next;
            }

            var file = OpenChecked(directory, parts[^1], full, FileFlags);
            if (Posix.Stat(file, out _) != FileKind.Regular)
            {
                file.Dispose();
                throw new PluginFileException($"refusing to load {full}: it is not a regular file");
            }

            return new FileStream(file, FileAccess.Read, bufferSize: 0);
        }
        finally
        {
            directory.Dispose();
        }
    }

    private static SafeFileHandle OpenChecked(SafeFileHandle? directory, string name, string shown, int flags)
    {
        var handle = Open(directory, name, flags, out var errno);
        if (handle.IsInvalid)
        {
            throw new PluginFileException(errno == Posix.ELOOP
                ? $"refusing to load through {shown}: it is a symbolic link, which could be pointed elsewhere; put the real directory or file there"
                : $"cannot open {shown}: {Posix.Describe(errno)}");
        }

        if (FileOwnership.WhyWritableByOthers(handle, shown) is { } reason)
        {
            handle.Dispose();
            throw new PluginFileException($"refusing to load plugin code: {reason}");
        }

        return handle;
    }

    private static SafeFileHandle Open(SafeFileHandle? directory, string name, int flags, out int errno)
    {
        int fd;
        do
        {
            fd = directory is null ? OpenRaw(name, flags) : OpenAtRaw(directory, name, flags);
            errno = fd < 0 ? Marshal.GetLastPInvokeError() : 0;
        }
        while (fd < 0 && errno == EINTR);

        return new SafeFileHandle(fd, ownsHandle: fd >= 0);
    }

    private const int EINTR = 4;

    [LibraryImport("libc", EntryPoint = "open", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int OpenRaw(string path, int flags);

    [LibraryImport("libc", EntryPoint = "openat", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int OpenAtRaw(SafeFileHandle directory, string path, int flags);
}

/// <summary>A plugin file refused at load; the message names the path and the fix.</summary>
internal sealed class PluginFileException(string message) : IOException(message);
