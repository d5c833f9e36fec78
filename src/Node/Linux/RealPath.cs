using System.Runtime.InteropServices;

namespace CocoonNet.Node.Linux;

/// <summary>
/// realpath(3) for a path that may not exist yet: the longest existing prefix is resolved (symlinks, "..") and
/// the rest appended as written, so two spellings of one directory (one through a symlinked parent) name it alike.
/// </summary>
internal static partial class RealPath
{
    public static string Resolve(string path)
    {
        var full = Path.TrimEndingDirectorySeparator(Path.GetFullPath(path));
        var rest = new Stack<string>();
        for (var current = full; ; current = Path.GetDirectoryName(current)!)
        {
            if (TryResolve(current) is { } resolved)
            {
                return rest.Aggregate(resolved, Path.Combine);
            }

            if (Path.GetDirectoryName(current) is null)
            {
                return full;
            }

            rest.Push(Path.GetFileName(current));
        }
    }

    private static unsafe string? TryResolve(string path)
    {
        var resolved = Native(path, IntPtr.Zero);
        if (resolved == IntPtr.Zero)
        {
            return null;
        }

        try
        {
            return Marshal.PtrToStringUTF8(resolved);
        }
        finally
        {
            // realpath(3) allocates with malloc when given no buffer.
            NativeMemory.Free((void*)resolved);
        }
    }

    [LibraryImport("libc", EntryPoint = "realpath", StringMarshalling = StringMarshalling.Utf8)]
    private static partial IntPtr Native(string path, IntPtr resolved);
}
