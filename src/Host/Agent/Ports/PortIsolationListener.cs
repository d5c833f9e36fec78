using CocoonNet.Node.Linux;
using CocoonNet.Node.Linux.Netlink;
using Microsoft.Extensions.Logging;

namespace CocoonNet.Host.Agent.Ports;

/// <summary>
/// Puts BR_ISOLATED on a VM port the moment it joins cni0, and back the moment something clears it, while the node
/// the agent serves asks for isolation (as pool.json still records it: after another writer, the agent's reconcile on
/// pool.json's change decides). With isolation off it leaves ports alone: init/adopt (and the agent's full
/// reconcile, through the bridge step) clear the flags. Before the first node is published there is no choice to
/// apply; the first reconcile's bridge step covers the ports plugged meanwhile.
/// </summary>
internal sealed class PortIsolationListener(NodeChanges changes, ILogger<PortIsolationListener> logger, IKernelNetwork? kernel = null)
    : IBridgePortListener, IDisposable
{
    // Its own netlink socket, used only from the watcher's notifications (one at a time).
    private readonly Lazy<IKernelNetwork> _kernel = new(() => kernel ?? new NetlinkKernelNetwork());

    public void PortAttached(BridgePort port)
    {
        // Fresh, not Current: an adopt --vm-isolation=false run beside the agent clears the flags after recording the
        // choice, and must not find them put back from the choice it replaced.
        if (changes.Fresh is not { Spec.VmIsolation: true } || port.Isolated == true)
        {
            return;
        }

        try
        {
            if (_kernel.Value.SetPortIsolated(port.Index, isolated: true))
            {
                logger.PortIsolated(port.Name);
            }
        }
        catch (NetlinkException e)
        {
            logger.PortIsolationFailed(port.Name, e.Message);
        }
    }

    public void PortDetached(BridgePort port)
    {
    }

    public void Dispose()
    {
        if (_kernel.IsValueCreated && _kernel.Value is IDisposable disposable && kernel is null)
        {
            disposable.Dispose();
        }
    }
}
