namespace CocoonNet.Host.State;

/// <summary>
/// One cocoon-net run at a time per state dir: an exclusive lock on <c>&lt;state-dir&gt;/.lock</c>
/// (flock, released by the kernel when the process dies, so a crash never leaves it stuck).
/// </summary>
internal sealed class StateLock : IDisposable
{
    private readonly FileStream _stream;

    private StateLock(FileStream stream) => _stream = stream;

    public static async Task<StateLock> AcquireAsync(string stateDirectory, TimeSpan wait, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(stateDirectory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
            | UnixFileMode.GroupRead | UnixFileMode.GroupExecute);
        var path = Path.Combine(stateDirectory, ".lock");
        var deadline = DateTime.UtcNow + wait;
        while (true)
        {
            try
            {
                var stream = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
                stream.SetLength(0);
                var pid = System.Text.Encoding.ASCII.GetBytes($"{Environment.ProcessId}\n");
                stream.Write(pid);
                stream.Flush();
                return new StateLock(stream);
            }
            catch (IOException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(100, cancellationToken).ConfigureAwait(false);
            }
            catch (IOException)
            {
                var holder = ReadHolder(path);
                throw new InvalidOperationException(
                    $"another cocoon-net run (pid {holder}) holds the lock on {stateDirectory}; wait for it to finish and retry");
            }
        }
    }

    public void Dispose() => _stream.Dispose();

    /// <summary>
    /// Re-reads the state once the lock is held; a run that finished while this one waited must not be
    /// overruled by decisions taken on what it replaced.
    /// </summary>
    public static PoolState? Reload(PoolStateStore store, PoolState? beforeLock)
    {
        var current = store.Load();
        return current?.Platform == beforeLock?.Platform && current?.Mode == beforeLock?.Mode
            ? current
            : throw new InvalidOperationException($"{store.Path} changed while waiting for the lock; run the command again");
    }

    private static string ReadHolder(string path)
    {
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            using var reader = new StreamReader(stream);
            return reader.ReadToEnd().Trim() is { Length: > 0 } pid ? pid : "?";
        }
        catch (IOException)
        {
            return "?";
        }
    }
}
