using CocoonNet.Node.Linux;
using CocoonNet.Node.Linux.Netlink;
using CocoonNet.Node.Net;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace CocoonNet.Host.Agent.Ports;

/// <summary>
/// Follows cni0's ports straight from the kernel's link notifications (its own rtnetlink socket on RTNLGRP_LINK, no
/// debounce: the drift watcher's quiet period is for repairs, not for a VM that must not talk before it is isolated)
/// and tells every <see cref="IBridgePortListener"/>. Both families are read: AF_UNSPEC (a link created on cni0, moved
/// onto it or off it, deleted) and AF_BRIDGE (what the bridge says about its port, e.g. its flags changed by hand). At
/// the start, and when notifications were lost, the links are listed again and each port is reported afresh.
/// </summary>
internal sealed class BridgePortWatcher(IEnumerable<IBridgePortListener> listeners, ILogger<BridgePortWatcher> logger) : BackgroundService
{
    private readonly IBridgePortListener[] _listeners = [.. listeners];

    /// <summary>cni0's ports by index, with the name they were last seen with (a deletion may not name it).</summary>
    private readonly Dictionary<int, string> _ports = [];

    private int _bridge;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (_listeners.Length == 0)
        {
            return;
        }

        // Subscribed before the first listing: a port plugged in between is seen twice, never missed.
        using var events = new NetlinkEventSocket(NetlinkEventSocket.GroupLink);
        using var kernel = new NetlinkKernelNetwork();
        Resync(kernel.ListLinks());
        var buffer = new byte[64 * 1024];
        while (!stoppingToken.IsCancellationRequested)
        {
            int length;
            try
            {
                length = await events.ReceiveAsync(buffer, stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (NetlinkEventsLostException)
            {
                logger.PortEventsLost();
                Resync(kernel.ListLinks());
                continue;
            }

            foreach (var message in NetlinkMessage.Parse(buffer.AsSpan(0, length)))
            {
                if (message.Type is LinkMessage.NewLink or LinkMessage.DelLink && LinkMessage.Decode(message.Payload) is { } link)
                {
                    Observe(link, deleted: message.Type == LinkMessage.DelLink);
                }
            }
        }
    }

    /// <summary>One notification: the bridge itself appearing or going, or a link joining, changing on, or leaving it.</summary>
    internal void Observe(LinkInfo link, bool deleted)
    {
        if (link.Name == Names.Bridge)
        {
            if (deleted)
            {
                _bridge = 0;
                DetachAll();
            }
            else
            {
                _bridge = link.Index;
            }

            return;
        }

        var onBridge = !deleted && _bridge != 0 && link.MasterIndex == _bridge;
        if (onBridge)
        {
            _ports[link.Index] = link.Name;
            Notify(l => l.PortAttached(new BridgePort(link.Name, link.Index, link.Isolated)));
        }
        else if (_ports.Remove(link.Index, out var name))
        {
            Notify(l => l.PortDetached(new BridgePort(name, link.Index, null)));
        }
    }

    /// <summary>Every link as listed now: ports gone meanwhile detached, every present port reported again.</summary>
    internal void Resync(IReadOnlyList<LinkInfo> links)
    {
        _bridge = links.FirstOrDefault(l => l.Name == Names.Bridge)?.Index ?? 0;
        var present = links.Where(l => _bridge != 0 && l.MasterIndex == _bridge).ToDictionary(l => l.Index);
        foreach (var (index, name) in _ports.Where(p => !present.ContainsKey(p.Key)).ToList())
        {
            _ports.Remove(index);
            Notify(l => l.PortDetached(new BridgePort(name, index, null)));
        }

        foreach (var port in present.Values)
        {
            Observe(port, deleted: false);
        }
    }

    private void DetachAll()
    {
        foreach (var (index, name) in _ports.ToList())
        {
            _ports.Remove(index);
            Notify(l => l.PortDetached(new BridgePort(name, index, null)));
        }
    }

    private void Notify(Action<IBridgePortListener> call)
    {
        foreach (var listener in _listeners)
        {
            try
            {
                call(listener);
            }
            catch (Exception e)
            {
                // A listener logs its own failures; this guards the watcher against one that does not.
                logger.PortListenerFailed(listener.GetType().Name, e.Message);
            }
        }
    }
}
