using System.Security.Cryptography;
using System.Text;

namespace CocoonNet.Node.Linux;

/// <summary>
/// Whole-file writes that a crash cannot leave half done and a planted link cannot redirect: a temp file
/// with an unpredictable name created exclusively (O_EXCL|O_NOFOLLOW) in the target's directory, its mode
/// set on the handle, fsync, rename over the target, fsync of the directory. The target and its directory
/// must be what they claim: a symlink, FIFO, directory or device there is refused, never written through.
/// </summary>
internal static class AtomicFile
{
    /// <summary>Config files cocoon-net writes are a few KiB; anything this large is not one of its files.</summary>
    public const long MaxConfigBytes = 1 << 20;

    private static readonly TimeSpan StaleTempAge = TimeSpan.FromMinutes(10);

    public static void Write(string path, string content, UnixFileMode mode) => Write(path, Encoding.UTF8.GetBytes(content), mode);

    public static void Write(string path, ReadOnlySpan<byte> content, UnixFileMode mode)
    {
        var directory = Path.GetDirectoryName(path)!;
        SafeFile.RequireDirectory(directory);
        RequireReplaceable(path);

        var temp = Path.Combine(directory, $".{Path.GetFileName(path)}.{RandomNumberGenerator.GetHexString(16, lowercase: true)}.tmp");
        using (var handle = Posix.Open(temp, Posix.O_WRONLY | Posix.O_CREAT | Posix.O_EXCL | Posix.O_NOFOLLOW | Posix.O_CLOEXEC | Posix.O_NOCTTY, mode,
                   out var errno))
        {
            if (handle.IsInvalid)
            {
                throw Posix.Error(errno, $"creating a temporary file in {directory} for {path}");
            }

            try
            {
                // By handle: the umask narrowed the create mode, and a path could be swapped under us.
                Posix.Fchmod(handle, mode, path);
                Posix.WriteAll(handle, content, path);
                Posix.Fsync(handle, path);
            }
            catch
            {
                Unlink(temp);
                throw;
            }
        }

        try
        {
            // rename(2) replaces whatever name is there without following it; checked again to refuse, not replace, a planted one.
            RequireReplaceable(path);
            Posix.Rename(temp, path);
        }
        catch
        {
            Unlink(temp);
            throw;
        }

        SyncDirectory(directory);
        RemoveStaleTemps(directory, Path.GetFileName(path));
    }

    /// <summary>
    /// True when <paramref name="path"/> is a regular file with exactly this content. Never blocks or
    /// follows a link: those are refused like in <see cref="Write(string, string, UnixFileMode)"/>.
    /// A file too large to be one of cocoon-net's is simply not this content.
    /// </summary>
    public static bool HasContent(string path, string content)
    {
        return SafeFile.TryRead(path, MaxConfigBytes, out var bytes) == SafeFile.ReadOutcome.Read
            && bytes.AsSpan().SequenceEqual(Encoding.UTF8.GetBytes(content));
    }

    /// <summary>The file's text, or null when there is none (or it is too large to be cocoon-net's).</summary>
    public static string? ReadText(string path) =>
        SafeFile.TryRead(path, MaxConfigBytes, out var bytes) == SafeFile.ReadOutcome.Read ? Encoding.UTF8.GetString(bytes) : null;

    private static void RequireReplaceable(string path)
    {
        var kind = Posix.Lstat(path);
        if (kind is not (FileKind.Missing or FileKind.Regular))
        {
            throw SafeFile.NotRegular(path, kind);
        }
    }

    /// <summary>
    /// Temp files of this target left by a run killed between create and rename. Only old ones: a younger
    /// one may belong to a run writing right now (another state dir's run writing the same config file).
    /// </summary>
    /// <summary>
    /// Whether <paramref name="fileName"/> is one of this class's temporary files (<c>.&lt;name&gt;.&lt;16 hex&gt;.tmp</c>): what a
    /// write killed between create and rename leaves. Teardown removes them with the directory they are in.
    /// </summary>
    public static bool IsTemporary(string fileName) =>
        fileName.Length > 22 && fileName[0] == '.' && fileName.EndsWith(".tmp", StringComparison.Ordinal)
        && fileName[^21] == '.' && !fileName.AsSpan(fileName.Length - 20, 16).ContainsAnyExcept(LowerHex);

    private static readonly System.Buffers.SearchValues<char> LowerHex = System.Buffers.SearchValues.Create("0123456789abcdef");

    private static void RemoveStaleTemps(string directory, string name)
    {
        var cutoff = TimeProvider.System.GetUtcNow().UtcDateTime - StaleTempAge;
        foreach (var temp in Directory.EnumerateFiles(directory, $".{name}.*.tmp"))
        {
            try
            {
                if (Posix.Lstat(temp) == FileKind.Regular && File.GetLastWriteTimeUtc(temp) < cutoff)
                {
                    Posix.Unlink(temp);
                }
            }
            catch (IOException)
            {
                // Best effort: the write itself succeeded.
            }
        }
    }

    private static void SyncDirectory(string directory)
    {
        using var handle = Posix.Open(directory, Posix.O_RDONLY | Posix.O_DIRECTORY | Posix.O_NOFOLLOW | Posix.O_CLOEXEC, 0, out var errno);
        if (handle.IsInvalid)
        {
            throw Posix.Error(errno, $"opening {directory} to flush it");
        }

        Posix.Fsync(handle, directory);
    }

    private static void Unlink(string temp)
    {
        try
        {
            Posix.Unlink(temp);
        }
        catch (IOException)
        {
            // The original failure is the one to report.
        }
    }
}
