using System.IO.MemoryMappedFiles;
using System.Text;
using CocoonNet.Node.Linux;

namespace CocoonNet.Tests.Unit;

/// <summary>
/// The agent's working-set trim (its idle budget is 60 MiB RSS): which mappings it may unmap, and that unmapping
/// them drops them from RSS and loses nothing.
/// </summary>
public sealed class WorkingSetTests
{
    private const string Smaps = """
        7f0000000000-7f0000100000 r-xp 00000000 08:01 11 /usr/lib/cocoon-net/cocoon-net.r2r.dll
        Size:               1024 kB
        Rss:                 512 kB
        Private_Dirty:         0 kB
        Anonymous:             0 kB
        Swap:                  0 kB
        VmFlags: rd ex mr mw me
        7f0000100000-7f0000200000 rw-p 00100000 08:01 11 /usr/lib/cocoon-net/cocoon-net.r2r.dll
        Rss:                 300 kB
        Private_Dirty:        40 kB
        Anonymous:            40 kB
        Swap:                  0 kB
        VmFlags: rd wr mr mw me ac
        7f0000200000-7f0000210000 r--p 00000000 08:01 12 /usr/lib/cocoon-net/libcoreclr.so
        Rss:                  64 kB
        Private_Dirty:         8 kB
        Anonymous:             8 kB
        Swap:                  0 kB
        VmFlags: rd mr mw me ac
        7f0000210000-7f0000220000 r--s 00000000 08:01 13 /usr/lib/cocoon-net/System.Private.CoreLib.dll
        Rss:                  32 kB
        Private_Dirty:         0 kB
        Anonymous:             0 kB
        Swap:                  0 kB
        VmFlags: rd sh mr mw me ms
        7f0000220000-7f0000230000 rw-s 00000000 00:01 14 /memfd:doublemapper (deleted)
        Rss:                  64 kB
        Anonymous:             0 kB
        Swap:                  0 kB
        VmFlags: rd wr sh mr mw me ms
        7f0000230000-7f0000240000 r-xp 00000000 08:01 15 /usr/lib/x86_64-linux-gnu/libc.so.6
        Rss:                  64 kB
        Anonymous:             0 kB
        Swap:                  0 kB
        VmFlags: rd ex mr mw me
        7f0000240000-7f0000250000 rw-p 00000000 00:00 0
        Rss:                  64 kB
        Anonymous:            64 kB
        Swap:                  0 kB
        VmFlags: rd wr mr mw me ac
        7f0000250000-7f0000260000 r-xp 00000000 08:01 16 /usr/lib/cocoon-net/plugins/my plugin/x.dll
        Rss:                   4 kB
        Anonymous:             0 kB
        Swap:                  0 kB
        VmFlags: rd ex mr mw me lo
        7f0000260000-7f0000270000 r-xp 00000000 08:01 17 /usr/lib/cocoon-net/plugins/gke/old.dll (deleted)
        Rss:                   4 kB
        Anonymous:             0 kB
        Swap:                  0 kB
        VmFlags: rd ex mr mw me
        """;

    [Fact]
    public void Only_clean_read_only_mappings_of_the_programs_own_files_are_trimmed()
    {
        var mappings = WorkingSet.Parse(new MemoryStream(Encoding.UTF8.GetBytes(Smaps)), "/usr/lib/cocoon-net");

        // Files elsewhere (libc: shared with every process, nothing freed) and anonymous memory are not even kept.
        Assert.Equal(
            ["/usr/lib/cocoon-net/cocoon-net.r2r.dll", "/usr/lib/cocoon-net/cocoon-net.r2r.dll", "/usr/lib/cocoon-net/libcoreclr.so",
             "/usr/lib/cocoon-net/System.Private.CoreLib.dll", "/usr/lib/cocoon-net/plugins/my plugin/x.dll",
             "/usr/lib/cocoon-net/plugins/gke/old.dll (deleted)"],
            mappings.Select(m => m.Path));
        var code = mappings[0];
        Assert.Equal((0x7f0000000000UL, 0x7f0000100000UL, "r-xp", 512L, 0L), (code.Start, code.End, code.Permissions, code.RssKib, code.AnonymousKib));

        var droppable = mappings.Where(m => WorkingSet.Droppable(m, "/usr/lib/cocoon-net/")).Select(m => $"{m.Path} {m.Permissions}");
        // Not: the writable data section (its written pages would be lost), the relocated read-only part (copied
        // pages), a locked mapping, a deleted file.
        Assert.Equal(["/usr/lib/cocoon-net/cocoon-net.r2r.dll r-xp", "/usr/lib/cocoon-net/System.Private.CoreLib.dll r--s"], droppable);
    }

    [Fact]
    public void A_read_only_mapping_with_swapped_out_copies_or_sizes_the_kernel_did_not_print_is_never_trimmed()
    {
        // libcoreclr.so's relocated read-only data (RELRO) on a node with swap: its copied pages are swapped out, so
        // Anonymous is 0; dropping them would bring back the file's unrelocated bytes. Then a record without Swap and
        // one with a size that does not parse: unknown is not zero.
        const string swapped = """
            7f0000200000-7f0000210000 r--p 00000000 08:01 12 /usr/lib/cocoon-net/libcoreclr.so
            Rss:                  32 kB
            Private_Dirty:         0 kB
            Anonymous:             0 kB
            Swap:                 16 kB
            VmFlags: rd mr mw me ac
            7f0000210000-7f0000220000 r-xp 00000000 08:01 13 /usr/lib/cocoon-net/libclrjit.so
            Rss:                  32 kB
            Private_Dirty:         0 kB
            Anonymous:             0 kB
            VmFlags: rd ex mr mw me
            7f0000220000-7f0000230000 r-xp 00000000 08:01 14 /usr/lib/cocoon-net/libSystem.Native.so
            Rss:                  32 kB
            Private_Dirty:         0 kB
            Anonymous:             x kB
            Swap:                  0 kB
            VmFlags: rd ex mr mw me
            7f0000230000-7f0000240000 r-xp 00000000 08:01 15 /usr/lib/cocoon-net/cocoon-net
            Rss:                  32 kB
            Private_Dirty:         0 kB
            Anonymous:             0 kB
            Swap:                  0 kB
            VmFlags: rd ex mr mw me
            """;
        var mappings = WorkingSet.Parse(new MemoryStream(Encoding.UTF8.GetBytes(swapped)), "/usr/lib/cocoon-net");

        Assert.Equal(4, mappings.Count);
        Assert.Equal(["/usr/lib/cocoon-net/cocoon-net"], mappings.Where(m => WorkingSet.Droppable(m, "/usr/lib/cocoon-net")).Select(m => m.Path));
    }

    [Fact]
    public void A_mapping_outside_the_root_or_the_memfd_of_the_runtimes_executable_memory_is_never_trimmed()
    {
        var all = WorkingSet.Parse(new MemoryStream(Encoding.UTF8.GetBytes(Smaps)), "/");
        Assert.Contains(all, m => m.Path.StartsWith("/memfd:", StringComparison.Ordinal));
        Assert.DoesNotContain(all.Where(m => WorkingSet.Droppable(m, "/")), m => m.Path.StartsWith("/memfd:", StringComparison.Ordinal));
        Assert.DoesNotContain(all.Where(m => WorkingSet.Droppable(m, "/")), m => m.Permissions[1] == 'w');
    }

    [Fact]
    public void Trimming_unmaps_the_clean_pages_and_their_content_reads_back_unchanged()
    {
        var dir = Directory.CreateTempSubdirectory("cocoon-net-trim-");
        try
        {
            var file = Path.Combine(dir.FullName, "image.bin");
            var content = new byte[4 * 1024 * 1024];
            new Random(7).NextBytes(content);
            File.WriteAllBytes(file, content);
            using var mapped = MemoryMappedFile.CreateFromFile(file, FileMode.Open, null, 0, MemoryMappedFileAccess.Read);
            using var view = mapped.CreateViewAccessor(0, content.Length, MemoryMappedFileAccess.Read);
            long sum = 0;
            for (var i = 0; i < content.Length; i += 4096)
            {
                sum += view.ReadByte(i);
            }

            var before = ResidentOf(file);
            Assert.True(before >= 2048, $"the mapped file should be resident after reading it ({before} KiB)");

            var trim = WorkingSet.Trim(dir.FullName);

            Assert.True(ResidentOf(file) < before / 4, $"{ResidentOf(file)} KiB still resident of {before} KiB");
            Assert.True(trim.UnmappedKib >= before / 2, $"reported {trim.UnmappedKib} KiB unmapped of {before} KiB");
            var again = new byte[content.Length];
            view.ReadArray(0, again, 0, again.Length);
            Assert.Equal(content, again);
            long sumAgain = 0;
            for (var i = 0; i < content.Length; i += 4096)
            {
                sumAgain += again[i];
            }

            Assert.Equal(sum, sumAgain);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    private static long ResidentOf(string path)
    {
        using var smaps = File.OpenRead("/proc/self/smaps");
        return WorkingSet.Parse(smaps, Path.GetDirectoryName(path)!).Where(m => m.Path == path).Sum(m => m.RssKib);
    }
}
