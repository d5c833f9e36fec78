using System.Text.Json;
using CocoonNet.Host.Linux;

namespace CocoonNet.Host.State;

/// <summary>Loads and atomically saves <c>&lt;state-dir&gt;/pool.json</c> (mode 0640).</summary>
internal sealed class PoolStateStore(string stateDirectory, TimeProvider time)
{
    public const string FileName = "pool.json";

    private const UnixFileMode StateFileMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead;
    private const UnixFileMode StateDirectoryMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
        | UnixFileMode.GroupRead | UnixFileMode.GroupExecute;

    public string Directory { get; } = stateDirectory;

    public string Path => System.IO.Path.Combine(Directory, FileName);

    /// <summary>The state, or null when there is none.</summary>
    public PoolState? Load()
    {
        byte[] json;
        try
        {
            json = File.ReadAllBytes(Path);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }

        try
        {
            return PoolStateJson.Read(json);
        }
        catch (Exception e) when (e is JsonException or FormatException)
        {
            throw new InvalidDataException(
                $"parse pool state {Path}: {e.Message}; fix or remove the file (a copy of the last good state is not kept)", e);
        }
    }

    /// <summary>
    /// Writes <paramref name="state"/> unless it equals <paramref name="previous"/> apart from the
    /// timestamp. Returns the state as stored.
    /// </summary>
    public PoolState Save(PoolState state, PoolState? previous)
    {
        if (previous is not null && state.SameContentAs(previous))
        {
            return previous;
        }

        var stamped = state with { UpdatedAt = time.GetUtcNow() };
        System.IO.Directory.CreateDirectory(Directory, StateDirectoryMode);
        AtomicFile.Write(Path, Serialize(stamped), StateFileMode);
        return stamped;
    }

    public void Delete() => File.Delete(Path);

    public static string Serialize(PoolState state) => PoolStateJson.Write(state);
}
