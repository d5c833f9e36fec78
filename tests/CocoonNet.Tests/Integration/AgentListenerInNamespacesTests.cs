using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using CocoonNet.Tests.Support;
using Xunit.Abstractions;

namespace CocoonNet.Tests.Integration;

/// <summary>
/// The agent's HTTP listener under clients that hold connections: hundreds of idle and slow-drip connections
/// neither starve the probes nor swell the agent, and the agent closes them itself; VMs on cni0 cannot reach
/// the listener at all, while the node can, and teardown takes that rule away with the rest.
/// </summary>
[Collection(NamespaceCollection.Name)]
public sealed class AgentListenerInNamespacesTests(ITestOutputHelper output)
{
    private const int Held = 350;
    private static readonly string[] AgentAdopt = ["--mode", "adopt", "--node-name", "sandbox", "--subnet", "172.20.0.0/24", "--manage-iptables"];
    private static readonly IPEndPoint Loopback = new(IPAddress.Loopback, 9092);

    [PrivilegedFact]
    public async Task Held_idle_and_slow_connections_leave_healthz_answering_and_are_closed_by_the_agent()
    {
        using var sandbox = new Sandbox();
        using var agent = new AgentProcess(sandbox, AgentAdopt);
        Assert.True(agent.WaitForReady(), agent.Output);
        Assert.Equal(200, (await RawHttp.GetAsync(sandbox.Node, Loopback, "/metrics", TimeSpan.FromSeconds(5))).Status);
        var baseline = RssBytes(agent.Pid);

        var sockets = RawHttp.Sockets(sandbox.Node, Held);
        using var stopDrip = new CancellationTokenSource();
        var drip = Task.CompletedTask;
        try
        {
            var opened = Stopwatch.StartNew();
            foreach (var socket in sockets)
            {
                await socket.ConnectAsync(Loopback);
            }

            // Half send nothing; half start a request and then add a header byte every second, never ending it.
            var slow = sockets.Where((_, i) => i % 2 == 1).ToList();
            foreach (var socket in slow)
            {
                await socket.SendAsync("GET /healthz HTTP/1.1\r\nHost: node\r\n"u8.ToArray(), SocketFlags.None);
            }

            drip = DripAsync(slow, stopDrip.Token);
            await Task.Delay(TimeSpan.FromSeconds(2));

            var probe = Stopwatch.StartNew();
            var healthz = await RawHttp.GetAsync(sandbox.Node, Loopback, "/healthz", TimeSpan.FromSeconds(1));
            Assert.Equal((200, "ok\n"), healthz);
            Assert.True(probe.Elapsed < TimeSpan.FromSeconds(1), $"/healthz took {probe.Elapsed}");

            var growth = RssBytes(agent.Pid) - baseline;
            output.WriteLine($"{Held} held: /healthz in {probe.ElapsedMilliseconds} ms, agent RSS {baseline / 1024} KiB -> +{growth / 1024} KiB");
            Assert.True(growth <= 16 << 20, $"agent RSS grew by {growth / 1024} KiB with {Held} connections held");

            using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(25) - opened.Elapsed);
            var closed = await Task.WhenAll(sockets.Select(s => RawHttp.ClosedByPeerAsync(s, deadline.Token)));
            Assert.True(closed.All(c => c), $"{closed.Count(c => !c)} of {Held} connections still open 25 s after connecting\n{agent.Output}");
            output.WriteLine($"all {Held} closed by the agent {opened.Elapsed.TotalSeconds:F1} s after the first connected");
            Assert.False(agent.HasExited, agent.Output);
        }
        finally
        {
            await stopDrip.CancelAsync();
            await drip;
            sockets.ForEach(s => s.Dispose());
        }
    }

    [PrivilegedFact]
    public async Task Vms_cannot_reach_the_listener_the_node_can_and_teardown_removes_the_rule()
    {
        using var sandbox = new Sandbox();
        using (var agent = new AgentProcess(sandbox, [.. AgentAdopt, "--listen", "0.0.0.0:9092"]))
        {
            Assert.True(agent.WaitForReady(), agent.Output);
            var vm = sandbox.AddVm();
            Assert.True(sandbox.Dhcp(vm) is not null, agent.Output);

            // The node's address on cni0 (the VMs' gateway) and on its uplink, as a VM and as the outside see them.
            using var fromVm = RawHttp.Socket(vm);
            using var patience = new CancellationTokenSource(TimeSpan.FromSeconds(3));
            var reached = await ConnectsAsync(fromVm, new IPEndPoint(IPAddress.Parse("172.20.0.1"), 9092), patience.Token);
            Assert.False(reached, "a VM on cni0 connected to the agent's listener");

            var fromOutside = await RawHttp.GetAsync(sandbox.Outside, new IPEndPoint(IPAddress.Parse("203.0.113.2"), 9092), "/healthz", TimeSpan.FromSeconds(5));
            Assert.Equal(200, fromOutside.Status);
            Assert.True(agent.Terminate(TimeSpan.FromSeconds(30)), agent.Output);
        }

        Assert.Contains("--dport 9092 -j DROP", sandbox.IptablesSave(), StringComparison.Ordinal);
        var teardown = sandbox.CocoonNet("teardown");
        Assert.True(teardown.ExitCode == 0, teardown.ToString());
        Assert.DoesNotContain("9092", sandbox.IptablesSave(), StringComparison.Ordinal);
    }

    private static async Task<bool> ConnectsAsync(Socket socket, IPEndPoint endpoint, CancellationToken cancellationToken)
    {
        try
        {
            await socket.ConnectAsync(endpoint, cancellationToken);
            return true;
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException)
        {
            return false;
        }
    }

    private static async Task DripAsync(List<Socket> sockets, CancellationToken cancellationToken)
    {
        var open = sockets.ToList();
        var header = "X: y\r\n"u8.ToArray();
        while (!cancellationToken.IsCancellationRequested && open.Count > 0)
        {
            foreach (var socket in open.ToList())
            {
                for (var i = 0; i < header.Length; i++)
                {
                    try
                    {
                        // A header line a second, one byte per write: never idle, never done.
                        socket.Send(header, i, 1, SocketFlags.None);
                    }
                    catch (SocketException)
                    {
                        open.Remove(socket);
                        break;
                    }
                }
            }

            try
            {
                await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private static long RssBytes(int pid) =>
        long.Parse(File.ReadAllLines($"/proc/{pid}/status").Single(l => l.StartsWith("VmRSS:", StringComparison.Ordinal))
            .Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) * 1024;
}
