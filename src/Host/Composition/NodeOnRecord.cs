using CocoonNet.Node.State;

namespace CocoonNet.Host.Composition;

/// <summary>
/// What pool.json says about the node before anything is composed: which plugin serves it (the only one a
/// re-run loads) and the settings it records (a layer of the plugin's settings snapshot). Read once; the
/// command reads and checks pool.json itself again, so a file that cannot be read here is simply
/// <see cref="Unknown"/> and its problem is reported by the command, as always.
/// </summary>
internal sealed class NodeOnRecord
{
    private NodeOnRecord(bool known, PoolState? state, string path)
    {
        Known = known;
        State = state;
        Path = path;
    }

    /// <summary>pool.json could not be read (or was not looked at): nothing is assumed about the node.</summary>
    public static NodeOnRecord Unknown { get; } = new(false, null, "");

    /// <summary>True when pool.json was read, or found missing.</summary>
    public bool Known { get; }

    /// <summary>The recorded state, null when there is none.</summary>
    public PoolState? State { get; }

    /// <summary>pool.json's path, to name it in messages.</summary>
    public string Path { get; }

    /// <summary>The state when it records a provisioned node (what init, adopt and the agent treat as a node).</summary>
    public PoolState? Provisioned => State is { } state && !state.IsNeverProvisioned() ? state : null;

    /// <summary>Reads pool.json of <paramref name="stateDirectory"/>; never throws for a file that is bad or unreadable.</summary>
    public static NodeOnRecord Read(string stateDirectory)
    {
        var store = new PoolStateStore(stateDirectory, TimeProvider.System);
        try
        {
            return new NodeOnRecord(true, store.Load(), store.Path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or PoolStateInvalidException)
        {
            return Unknown;
        }
    }
}
