namespace CocoonNet.Host.Linux;

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

    private static string PathOf(string key) => "/proc/sys/" + key.Replace('.', '/');
}
