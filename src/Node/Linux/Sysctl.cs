namespace CocoonNet.Node.Linux;

/// <summary>Reads and writes <c>/proc/sys</c> keys of the current network namespace directly.</summary>
internal interface ISysctl
{
    /// <summary>The trimmed value, or null when the key does not exist (e.g. an absent interface).</summary>
    string? Read(string key);

    void Write(string key, string value);
}

internal sealed class ProcSysctl : ISysctl
{
    public string? Read(string key)
    {
        try
        {
            // One read(2) into a small buffer: values are a few bytes, and File.ReadAllText's reader and
            // encoding detection are a measurable part of a no-op run's first use.
            using var handle = File.OpenHandle(PathOf(key));
            Span<byte> buffer = stackalloc byte[256];
            var length = RandomAccess.Read(handle, buffer, 0);
            return System.Text.Encoding.ASCII.GetString(buffer[..length]).Trim();
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }
    }

    public void Write(string key, string value)
    {
        try
        {
            File.WriteAllText(PathOf(key), value);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new IOException($"write sysctl {key}={value}: {e.Message}", e);
        }
    }

    /// <summary>
    /// sysctl(8)'s key convention, as the CNI plugins use it: dots separate the levels and a slash stands
    /// for a dot inside one level, so <c>net.ipv4.conf.eth0/100.rp_filter</c> is
    /// <c>/proc/sys/net/ipv4/conf/eth0.100/rp_filter</c> (a VLAN interface).
    /// <para>
    /// Keys carry interface names, so each level is checked to stay one level: a name such as <c>..</c> would
    /// otherwise climb out of <c>conf/</c> and write elsewhere under /proc/sys.
    /// </para>
    /// </summary>
    internal static string PathOf(string key)
    {
        var relative = string.Create(key.Length, key, static (span, k) =>
        {
            for (var i = 0; i < k.Length; i++)
            {
                span[i] = k[i] switch
                {
                    '.' => '/',
                    '/' => '.',
                    var c => c,
                };
            }
        });
        foreach (var level in relative.Split('/'))
        {
            if (level is "" or "." or ".." || !Text.ConfigText.IsToken(level))
            {
                throw new InvalidOperationException($"refusing sysctl key {Text.ConfigText.Quote(key)}: level {Text.ConfigText.Quote(level)} is not a name (a defect; report it)");
            }
        }

        return "/proc/sys/" + relative;
    }
}
