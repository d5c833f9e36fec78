using CocoonNet.Host.Agent;
using CocoonNet.Host.Agent.Ports;
using CocoonNet.Node.Engine;
using CocoonNet.Node.Linux;
using CocoonNet.Node.Pipeline;
using CocoonNet.Node.State;
using Microsoft.Extensions.Logging.Abstractions;
using NSubstitute;

namespace CocoonNet.Tests.Unit.Ports;

/// <summary>cni0's ports followed from link notifications, and the isolation listener's answer to each.</summary>
public sealed class BridgePortWatcherTests
{
    private static readonly LinkInfo Bridge = new("cni0", 7, "aa:bb:cc:dd:ee:ff", true, "bridge", 0);

    private static LinkInfo Link(string name, int index, int master, bool? isolated = null) =>
        new(name, index, "02:00:00:00:00:01", true, "veth", master) { Isolated = isolated };

    private sealed class Recorder : IBridgePortListener
    {
        public List<string> Calls { get; } = [];

        public void PortAttached(BridgePort port) => Calls.Add($"+{port.Name}:{port.Isolated}");

        public void PortDetached(BridgePort port) => Calls.Add($"-{port.Name}");
    }

    [Fact]
    public void Ports_joining_changing_leaving_and_the_bridge_going_are_each_reported()
    {
        var recorder = new Recorder();
        var watcher = new BridgePortWatcher([recorder], NullLogger<BridgePortWatcher>.Instance);
        watcher.Resync([Bridge, Link("veth1", 11, 7, true), Link("eth0", 2, 0)]);
        watcher.Observe(Link("veth2", 12, 7, false), deleted: false);
        watcher.Observe(Link("veth2", 12, 7, true), deleted: false);
        watcher.Observe(Link("veth3", 13, 0), deleted: false);
        watcher.Observe(Link("veth1", 11, 0), deleted: false);
        watcher.Observe(Link("if12", 12, 0), deleted: true);
        watcher.Observe(Link("veth4", 14, 7), deleted: false);
        watcher.Observe(Bridge, deleted: true);
        watcher.Observe(Link("veth5", 15, 7), deleted: false);
        Assert.Equal(["+veth1:True", "+veth2:False", "+veth2:True", "-veth1", "-veth2", "+veth4:", "-veth4"], recorder.Calls);
    }

    [Fact]
    public void A_resync_after_lost_notifications_detaches_the_ports_gone_and_reports_the_rest_again()
    {
        var recorder = new Recorder();
        var watcher = new BridgePortWatcher([recorder], NullLogger<BridgePortWatcher>.Instance);
        watcher.Resync([Bridge, Link("veth1", 11, 7), Link("veth2", 12, 7)]);
        recorder.Calls.Clear();
        watcher.Resync([Bridge, Link("veth2", 12, 7)]);
        Assert.Equal(["-veth1", "+veth2:"], recorder.Calls);
    }

    [Fact]
    public void The_listener_isolates_a_port_that_is_not_while_the_node_asks_for_isolation()
    {
        var kernel = Substitute.For<IKernelNetwork>();
        kernel.SetPortIsolated(default, default).ReturnsForAnyArgs(true);
        var changes = new NodeChanges();
        var listener = new PortIsolationListener(changes, NullLogger<PortIsolationListener>.Instance, kernel);

        listener.PortAttached(new BridgePort("veth1", 11, false));
        kernel.DidNotReceiveWithAnyArgs().SetPortIsolated(default, default);

        var state = new PoolState { Platform = "generic", NodeName = "n", Subnet = "172.20.100.0/24", Ips = ["172.20.100.2"] };
        changes.Publish(NodeTarget.Of(state, DhcpServiceMode.Process, "/nonexistent"));
        listener.PortAttached(new BridgePort("veth1", 11, false));
        listener.PortAttached(new BridgePort("veth2", 12, null));
        listener.PortAttached(new BridgePort("veth3", 13, true));
        kernel.Received(1).SetPortIsolated(11, true);
        kernel.Received(1).SetPortIsolated(12, true);
        kernel.DidNotReceive().SetPortIsolated(13, Arg.Any<bool>());

        changes.Publish(NodeTarget.Of(state with { VmIsolation = false }, DhcpServiceMode.Process, "/nonexistent"));
        listener.PortAttached(new BridgePort("veth4", 14, false));
        kernel.DidNotReceive().SetPortIsolated(14, Arg.Any<bool>());
    }
}
