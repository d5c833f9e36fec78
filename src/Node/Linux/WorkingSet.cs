using System.Globalization;
using System.Runtime;
using System.Runtime.InteropServices;

namespace CocoonNet.Node.Linux;

/// <summary>
/// Gives back the memory the agent's start touched once and no longer needs (the agent's idle budget is 60 MiB RSS).
/// Start-up (runtime, plugin loading, command line, the first full reconcile) reads far more of the precompiled
/// code image, CoreCLR, the JIT and the framework's metadata than the idle loop ever runs again; those clean,
/// file-backed pages stay mapped and count toward RSS although the kernel could re-read them at any time.
/// <para>
/// Only mappings where dropping the page-table entries cannot lose data are trimmed: a regular file, mapped
/// read-only (no write permission now), with no private (copied-on-write) page. madvise(MADV_DONTNEED) then only
/// unmaps the pages; they stay in the page cache, so the next touch is a minor fault and the one-shot commands
/// still find the image cached. Writable mappings (the image's data section, the GC heap, the runtime's
/// double-mapped executable memory) are never touched: for them DONTNEED would discard data or, for shared
/// memory, only hide it from RSS without freeing anything.
/// </para>
/// </summary>
internal static partial class WorkingSet
{
    private const int MADV_DONTNEED = 4;

    /// <summary>One mapping of /proc/self/smaps: its range, permissions, path and resident/private sizes.</summary>
    /// <remarks>
    /// The sizes a mapping's safety depends on (Anonymous, Private_Dirty, Swap) are -1 until their line is read: a
    /// kernel that does not print one, or a record cut short, leaves the mapping not droppable.
    /// </remarks>
    internal sealed record Mapping(ulong Start, ulong End, string Permissions, string Path, long RssKib, long AnonymousKib, long PrivateDirtyKib, string VmFlags)
    {
        /// <summary>Swapped-out pages: in a private mapping these are copied-on-write pages, counted in no other field.</summary>
        public long SwapKib { get; init; } = -1;
    }

    /// <summary>What a trim did: resident memory before and after, and the file pages unmapped.</summary>
    internal readonly record struct TrimResult(long RssBeforeKib, long RssAfterKib, long UnmappedKib, int Mappings);

    /// <summary>
    /// A full, compacting, decommitting GC (start-up garbage and the free space it leaves go back to the kernel),
    /// then the clean read-only pages of the files under <paramref name="root"/> unmapped. Returns what it did; never
    /// throws for what the kernel refuses.
    /// </summary>
    /// <param name="root">
    /// The directory of the images to trim: the program's own (the runtime, the precompiled image, the assemblies and
    /// the plugins). Those stay mapped for the life of the process (nothing unloads them), so a range read from smaps
    /// still holds the same file when madvise runs; a transient mapping of another file could be replaced meanwhile.
    /// </param>
    public static TrimResult Trim(string root)
    {
        var before = ResidentKib();
        // First, so the collector's own code is among what is unmapped next (the read of smaps allocates little).
        // Aggressive: compacts every generation (the large object heap included) and decommits the free regions
        // instead of keeping them for the next allocations.
        GCSettings.LargeObjectHeapCompactionMode = GCLargeObjectHeapCompactionMode.CompactOnce;
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);

        long unmapped = 0;
        var count = 0;
        foreach (var mapping in ReadSmaps(root))
        {
            if (Droppable(mapping, root) && Madvise((nint)mapping.Start, (nuint)(mapping.End - mapping.Start), MADV_DONTNEED) == 0)
            {
                unmapped += mapping.RssKib;
                count++;
            }
        }

        return new TrimResult(before, ResidentKib(), unmapped, count);
    }

    /// <summary>
    /// True when unmapping every page of <paramref name="m"/> loses nothing: a file under <paramref name="root"/> (not
    /// a deleted file, a memfd or a pseudo mapping like [heap]), readable but not writable, with no private page (a
    /// copy-on-write page in a private mapping is counted as anonymous while resident and as swap once swapped out:
    /// dropping a swapped copy, e.g. of the relocated read-only data of libcoreclr.so, would bring back the file's
    /// unrelocated bytes), not locked or I/O memory. Every one of these sizes must have been read (not -1).
    /// </summary>
    public static bool Droppable(Mapping m, string root) =>
        m.RssKib > 0
        && Under(m.Path, root)
        && !m.Path.EndsWith(" (deleted)", StringComparison.Ordinal)
        && m.Permissions.Length == 4 && m.Permissions[0] == 'r' && m.Permissions[1] == '-'
        && m.AnonymousKib == 0 && m.PrivateDirtyKib == 0 && m.SwapKib == 0
        && !HasFlag(m.VmFlags, "lo") && !HasFlag(m.VmFlags, "io") && !HasFlag(m.VmFlags, "pf") && !HasFlag(m.VmFlags, "dd");

    /// <summary>Parses smaps text: a header line per mapping, then <c>Key: value kB</c> lines and <c>VmFlags:</c>.</summary>
    public static List<Mapping> Parse(string smaps) => Parse(new MemoryStream(System.Text.Encoding.UTF8.GetBytes(smaps)), "/");

    /// <summary>
    /// Parses smaps from <paramref name="stream"/> line by line in one buffer: /proc/self/smaps is about 25 lines per
    /// mapping, hundreds of KiB in all, and reading it as strings would itself leave megabytes of garbage in the
    /// heap being trimmed. Only mappings of files under <paramref name="root"/> are returned.
    /// </summary>
    public static List<Mapping> Parse(Stream stream, string root)
    {
        var result = new List<Mapping>();
        Mapping? current = null;
        var buffer = new byte[64 * 1024];
        var filled = 0;
        while (true)
        {
            var read = stream.Read(buffer, filled, buffer.Length - filled);
            filled += read;
            var span = buffer.AsSpan(0, filled);
            int newline;
            while ((newline = span.IndexOf((byte)'\n')) >= 0 || (read == 0 && span.Length > 0 && (newline = span.Length) > 0))
            {
                Line(span[..newline], root, ref current, result);
                span = newline < span.Length ? span[(newline + 1)..] : [];
            }

            if (read == 0)
            {
                break;
            }

            // A line longer than the buffer (a path of 64 KiB cannot exist) is dropped rather than grown for.
            span.CopyTo(buffer);
            filled = span.Length == buffer.Length ? 0 : span.Length;
        }

        if (current is not null)
        {
            result.Add(current);
        }

        return result;
    }

    private static void Line(ReadOnlySpan<byte> line, string root, ref Mapping? current, List<Mapping> result)
    {
        var colon = line.IndexOf((byte)':');
        var space = line.IndexOf((byte)' ');
        // Field lines are "Key:  value kB" (the key has no space); a header starts "start-end perms ...".
        if (colon > 0 && (space < 0 || colon < space))
        {
            if (current is null)
            {
                return;
            }

            var key = line[..colon];
            var value = line[(colon + 1)..].Trim((byte)' ');
            if (key.SequenceEqual("Rss"u8))
            {
                current = current with { RssKib = Kib(value) };
            }
            else if (key.SequenceEqual("Anonymous"u8))
            {
                current = current with { AnonymousKib = Kib(value) };
            }
            else if (key.SequenceEqual("Private_Dirty"u8))
            {
                current = current with { PrivateDirtyKib = Kib(value) };
            }
            else if (key.SequenceEqual("Swap"u8))
            {
                current = current with { SwapKib = Kib(value) };
            }
            else if (key.SequenceEqual("VmFlags"u8))
            {
                current = current with { VmFlags = System.Text.Encoding.ASCII.GetString(value) };
            }

            return;
        }

        if (current is not null)
        {
            result.Add(current);
        }

        current = Header(line, root);
    }

    /// <summary>VmRSS of this process in KiB (0 when /proc cannot say).</summary>
    public static long ResidentKib()
    {
        try
        {
            foreach (var line in File.ReadLines("/proc/self/status"))
            {
                if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
                {
                    return Kib(line["VmRSS:".Length..].Trim());
                }
            }
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }

        return 0;
    }

    // "7f0000000000-7f0000001000 r-xp 00000000 08:01 1234   /usr/lib/x.so": six fields, the path may hold spaces.
    // Null for a line that is not a header and for a mapping of no file under root (nothing to keep of it).
    private static Mapping? Header(ReadOnlySpan<byte> line, string root)
    {
        var dash = line.IndexOf((byte)'-');
        var space = line.IndexOf((byte)' ');
        if (dash <= 0 || space <= dash
            || !ulong.TryParse(line[..dash], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var start)
            || !ulong.TryParse(line[(dash + 1)..space], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var end))
        {
            return null;
        }

        var rest = line[(space + 1)..];
        var slash = rest.IndexOf((byte)'/');
        if (rest.Length < 4 || slash < 0)
        {
            return null;
        }

        var path = System.Text.Encoding.UTF8.GetString(rest[slash..].TrimEnd((byte)' '));
        return Under(path, root) ? new Mapping(start, end, System.Text.Encoding.ASCII.GetString(rest[..4]), path, 0, -1, -1, "") : null;
    }

    private static long Kib(ReadOnlySpan<byte> value)
    {
        var number = value.EndsWith(" kB"u8) ? value[..^3] : value;
        // -1 (unknown) for what does not parse: never read as "no such pages".
        return long.TryParse(number.Trim((byte)' '), NumberStyles.None, CultureInfo.InvariantCulture, out var kib) ? kib : -1;
    }

    private static long Kib(string value)
    {
        var number = value.EndsWith(" kB", StringComparison.Ordinal) ? value[..^3] : value;
        return long.TryParse(number.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var kib) ? kib : 0;
    }

    private static bool Under(string path, string root)
    {
        var dir = root.EndsWith('/') ? root : root + "/";
        return path.StartsWith(dir, StringComparison.Ordinal);
    }

    private static bool HasFlag(string flags, string flag) =>
        flags.Split(' ', StringSplitOptions.RemoveEmptyEntries).Contains(flag, StringComparer.Ordinal);

    private static List<Mapping> ReadSmaps(string root)
    {
        try
        {
            using var smaps = new FileStream("/proc/self/smaps", FileMode.Open, FileAccess.Read, FileShare.ReadWrite, bufferSize: 0);
            return Parse(smaps, root);
        }
        catch (IOException)
        {
            return [];
        }
        catch (UnauthorizedAccessException)
        {
            return [];
        }
    }

    [LibraryImport("libc", EntryPoint = "madvise", SetLastError = true)]
    private static partial int Madvise(nint address, nuint length, int advice);
}
