using System.Runtime.InteropServices;
using System.Text;

namespace CocoonNet.Host.Linux;

/// <summary>Whole-file writes that a crash cannot leave half done: temp file, fsync, rename, fsync dir.</summary>
internal static partial class AtomicFile
{
    public static void Write(string path, string content, UnixFileMode mode)
    {
        var directory = Path.GetDirectoryName(path)!;
        var temp = Path.Combine(directory, $".{Path.GetFileName(path)}.{Environment.ProcessId}.tmp");
        try
        {
            using (var stream = new FileStream(temp, new FileStreamOptions
            {
                Mode = FileMode.Create,
                Access = FileAccess.Write,
                UnixCreateMode = mode,
            }))
            {
                stream.Write(Encoding.UTF8.GetBytes(content));
                stream.Flush(flushToDisk: true);
            }

            File.SetUnixFileMode(temp, mode);
            File.Move(temp, path, overwrite: true);
            SyncDirectory(directory);
        }
        catch
        {
            File.Delete(temp);
            throw;
        }
    }

    /// <summary>True when the file exists with exactly this content.</summary>
    public static bool HasContent(string path, string content)
    {
        try
        {
            return File.ReadAllText(path) == content;
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return false;
        }
    }

    private static void SyncDirectory(string directory)
    {
        var fd = Open(directory, 0x10000 /* O_DIRECTORY */);
        if (fd >= 0)
        {
            _ = Fsync(fd);
            _ = Close(fd);
        }
    }

    [LibraryImport("libc", EntryPoint = "open", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
    private static partial int Fsync(int fd);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    private static partial int Close(int fd);
}
