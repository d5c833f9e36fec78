using System.Text.Json;
using CocoonNet.Node.Linux;

namespace CocoonNet.Node.State;

/// <summary>Loads and atomically saves <c>&lt;state-dir&gt;/pool.json</c> (mode 0640).</summary>
internal sealed class PoolStateStore(string stateDirectory, TimeProvider time)
{
    public const string FileName = "pool.json";

    private const UnixFileMode StateFileMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead;
    internal const UnixFileMode StateDirectoryMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
        | UnixFileMode.GroupRead | UnixFileMode.GroupExecute;

    /// <summary>A pool of a few hundred addresses is a few KiB; this bound only stops a hostile file.</summary>
    public const long MaxStateBytes = 16 << 20;

    public string Directory { get; } = stateDirectory;

    public string Path => System.IO.Path.Combine(Directory, FileName);

    /// <summary>
    /// The state, or null when there is none. A file that does not parse or holds a value no valid run writes
    /// (<see cref="PoolStateRules"/>) is refused with <see cref="PoolStateInvalidException"/>, naming the field.
    /// </summary>
    public PoolState? Load()
    {
        // Never through a link, never blocking on a FIFO, never an unbounded read: see SafeFile.
        switch (SafeFile.TryRead(Path, MaxStateBytes, out var json))
        {
            case SafeFile.ReadOutcome.Missing:
                return null;
            case SafeFile.ReadOutcome.TooLarge:
                throw new PoolStateInvalidException(
                    $"{Path} is larger than {MaxStateBytes / (1 << 20)} MiB, far more than any pool state: it is not cocoon-net's; move it away and retry");
        }

        PoolState state;
        try
        {
            state = PoolStateJson.Read(json);
        }
        catch (JsonException e)
        {
            throw new PoolStateInvalidException(
                $"parse pool state {Path}: {PoolStateFormatException.Describe(e)}; fix or remove the file (a copy of the last good state is not kept)", e);
        }

        return PoolStateRules.Problem(state) is { } problem
            ? throw new PoolStateInvalidException($"{Path}: {problem}; fix or remove the file (a copy of the last good state is not kept)")
            : state;
    }

    /// <summary>
    /// The state, or null when there is none or it records a run that provisioned nothing (a failed first
    /// init of an earlier version): such a node is treated as never provisioned.
    /// </summary>
    public PoolState? LoadProvisioned() => Load() is { } state && !state.IsNeverProvisioned() ? state : null;

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
        SafeFile.EnsureDirectory(Directory, StateDirectoryMode);
        AtomicFile.Write(Path, Serialize(stamped), StateFileMode);
        return stamped;
    }

    public void Delete() => Posix.Unlink(Path);

    public static string Serialize(PoolState state) => PoolStateJson.Write(state);
}
