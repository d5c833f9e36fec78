using CocoonNet.Host.Composition;
using CocoonNet.Node.State;

namespace CocoonNet.Host.Cli;

/// <summary>
/// Which plugins a run loads: a plugin's entry point is loaded only when the command can use it, and only the
/// one that serves the node when pool.json names it. Flags do not count here: a command line that needs a
/// plugin's flag to parse (or a command's help, which lists them) loads every plugin first.
/// </summary>
internal sealed class PluginSelection
{
    private PluginSelection(bool any, string? only)
    {
        Any = any;
        Only = only;
    }

    public static PluginSelection None { get; } = new(false, null);

    public static PluginSelection All { get; } = new(true, null);

    /// <summary>False when the run loads no plugin at all.</summary>
    public bool Any { get; }

    /// <summary>The one plugin the run loads; null with <see cref="Any"/> means every plugin.</summary>
    public string? Only { get; }

    /// <summary>
    /// What <paramref name="command"/> uses on the node <paramref name="node"/> describes. A node whose pool.json
    /// could not be read gets every plugin: the command reports the file, as it would without this choice.
    /// </summary>
    public static PluginSelection For(string command, NodeOnRecord node, bool inCluster) => command switch
    {
        "plugins" => All,
        "status" or "teardown" or "init" or "adopt" or "agent" when !node.Known => All,
        // Only an init node's status asks the cloud; nothing recorded is exit 4 before any plugin is asked.
        "status" => node.State is { Mode: not PoolState.ModeAdopt } state ? Serving(state) : None,
        // Nothing provisioned: teardown only removes pool.json.
        "teardown" => node.Provisioned is { } state ? Serving(state) : None,
        // A fresh node is matched to its platform (the flag, else detection) among every plugin; in-cluster,
        // the node's annotations may name another platform than pool.json.
        "init" or "adopt" or "agent" when !inCluster && node.Provisioned is { } state => Serving(state),
        "init" or "adopt" or "agent" => All,
        _ => None,
    };

    private static PluginSelection Serving(PoolState state) => state.Plugin is { } plugin ? new(true, plugin) : All;
}
