namespace CocoonNet.Host.Agent.Ports;

/// <summary>A port of cni0 as the kernel's link notification showed it.</summary>
/// <param name="Name">The port's interface name (what nftables matches as <c>iifname</c>).</param>
/// <param name="Index">The port's interface index.</param>
/// <param name="Isolated">Whether it carries BR_ISOLATED, when the notification said (null: not said).</param>
internal sealed record BridgePort(string Name, int Index, bool? Isolated);

/// <summary>
/// Reacts to a VM port joining or leaving cni0 straight from the kernel's link notification, without the drift
/// watcher's debounce: a new VM port is isolated and put under anti-spoofing within milliseconds. The agent's
/// <c>BridgePortWatcher</c> calls every registered listener in turn; a listener must not block for long and must not
/// throw (it logs its own failures; the next full reconcile repairs what it missed).
/// </summary>
internal interface IBridgePortListener
{
    /// <summary>A link became a port of cni0 (created on it, or moved onto it), or changed while on it.</summary>
    void PortAttached(BridgePort port);

    /// <summary>A port left cni0 or was deleted.</summary>
    void PortDetached(BridgePort port);
}
