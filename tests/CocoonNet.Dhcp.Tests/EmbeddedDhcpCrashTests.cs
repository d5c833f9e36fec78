using System.Diagnostics;
using CocoonNet.Node.Leases;
using CocoonNet.Tests.Support;
using Xunit.Abstractions;

namespace CocoonNet.Tests.Integration;

/// <summary>
/// The embedded server's write-ahead lease: the agent killed (SIGKILL through its test-only crash hook) at every
/// leases.json write of one client's DISCOVER..ACK and of the release vk-cocoon sends over the control socket.
/// Whatever instant it dies, the restarted agent serves the client, leases.json and the /32 routes agree (a lease on
/// disk is honoured: same address; no route outlives its lease), and one teardown leaves a clean node. The boundaries
/// are enumerated from a clean run, so new writes are covered automatically.
/// </summary>
[Collection(NamespaceCollection.Name)]
public sealed class EmbeddedDhcpCrashTests(ITestOutputHelper log)
{
    private const string CrashLog = "COCOON_NET_TEST_CRASH_LOG";
    private static readonly string Mac = DhcpClients.TestMac(0xc1);

    [PrivilegedFact]
    public void A_kill_at_any_lease_write_of_an_exchange_or_a_release_loses_no_lease_and_tears_down_clean()
    {
        var boundaries = Boundaries();
        Assert.Contains(boundaries, b => b.StartsWith("lease-save/", StringComparison.Ordinal) && b.EndsWith("/before", StringComparison.Ordinal));
        Assert.Contains(boundaries, b => b.StartsWith("lease-save/", StringComparison.Ordinal) && b.EndsWith("/after", StringComparison.Ordinal));
        var watch = Stopwatch.StartNew();
        foreach (var boundary in boundaries)
        {
            using var sandbox = new Sandbox();
            using var clients = new DhcpClients();
            Adopt(sandbox);
            var vm = sandbox.AddVm();
            DhcpClients.SetMac(vm, Mac);
            using (var crashing = new AgentProcess(sandbox, [], NodeChecks.CrashAt(boundary)))
            {
                crashing.WaitForReady();
                // The reconcile queued at ready ends by rewriting agent.json. A kill inside that write leaves its temp file,
                // which teardown keeps (younger than AtomicFile's 10 min): another matter than the lease writes tested
                // here, so the exchange starts once that write is done.
                Eventually(() => crashing.Output.Contains("full reconcile (all) in", StringComparison.Ordinal), TimeSpan.FromSeconds(10));
                // A hand-made exchange: no client retrying for seconds against a dead server.
                if (DhcpPackets.Exchange(vm, Mac, TimeSpan.FromSeconds(3)) is not null)
                {
                    EmbeddedDhcpNode.DeleteLease(sandbox.PathOf("/run/cocoon-net/control.sock"), Mac);
                }

                Assert.True(Eventually(() => crashing.HasExited, TimeSpan.FromSeconds(10)), $"{boundary}: the agent was not killed\n{crashing.Output}");
                Assert.True(crashing.ExitCode == NodeChecks.Killed, $"{boundary}: exit {crashing.ExitCode}\n{crashing.Output}");
            }

            var onDisk = Leases(sandbox).SingleOrDefault(l => l.Mac == Mac);
            using (var agent = new AgentProcess(sandbox, []))
            {
                Assert.True(agent.WaitForReady(), $"{boundary}: restart\n{agent.Output}");
                // Restored at start: the lease on disk has its route again before any client speaks.
                Eventually(() => EmbeddedDhcpNode.RouteAddresses(sandbox).Count == Leases(sandbox).Count, TimeSpan.FromSeconds(5));
                EmbeddedDhcpNode.AssertRoutesMatchLeases(sandbox, Leases(sandbox), $"{boundary}, restarted");
                var address = clients.Bind(vm, DhcpClient.Udhcpc, null, out var run);
                Assert.True(address is not null, $"{boundary}: no address after the restart: {run}\n{agent.Output}");
                if (onDisk is not null)
                {
                    Assert.Equal(onDisk.Ip.ToString(), address);
                }

                Assert.Equal(address, Leases(sandbox).Single(l => l.Mac == Mac).Ip.ToString());
                EmbeddedDhcpNode.AssertRoutesMatchLeases(sandbox, Leases(sandbox), $"{boundary}, bound again");
                Assert.True(agent.Terminate(TimeSpan.FromSeconds(10)), $"{boundary}: SIGTERM\n{agent.Output}");
            }

            sandbox.RemoveVm(vm);
            var teardown = sandbox.CocoonNet("teardown");
            Assert.True(teardown.ExitCode == 0, $"{boundary}: teardown {teardown}");
            NodeChecks.AssertClean(sandbox, boundary);
        }

        log.WriteLine($"{boundaries.Count} lease-write crash points ({string.Join(", ", boundaries)}) in {watch.Elapsed.TotalSeconds:F1} s");
    }

    /// <summary>The lease writes one clean DISCOVER..ACK and release reach (those of the agent's start excluded).</summary>
    private static List<string> Boundaries()
    {
        using var sandbox = new Sandbox();
        using var clients = new DhcpClients();
        var logFile = Path.Combine(Path.GetTempPath(), $"cocoon-net-crash-{Guid.NewGuid():N}.log");
        try
        {
            Adopt(sandbox);
            using var agent = new AgentProcess(sandbox, [], new Dictionary<string, string> { [CrashLog] = logFile });
            Assert.True(agent.WaitForReady(), agent.Output);
            var atStart = File.Exists(logFile) ? File.ReadAllLines(logFile).Length : 0;
            var vm = sandbox.AddVm();
            DhcpClients.SetMac(vm, Mac);
            Assert.True(clients.Bind(vm, DhcpClient.Udhcpc) is not null, agent.Output);
            Assert.Equal(204, EmbeddedDhcpNode.DeleteLease(sandbox.PathOf("/run/cocoon-net/control.sock"), Mac));
            return File.ReadAllLines(logFile).Skip(atStart).Where(b => b.StartsWith("lease-", StringComparison.Ordinal)).ToList();
        }
        finally
        {
            File.Delete(logFile);
        }
    }

    private static void Adopt(Sandbox sandbox)
    {
        var adopt = sandbox.CocoonNet(EmbeddedDhcpNode.Adopt);
        Assert.True(adopt.ExitCode == 0, adopt.ToString());
    }

    private static IReadOnlyList<Lease> Leases(Sandbox sandbox) =>
        LeaseFile.Read(LeaseFile.PathIn(sandbox.StateDirectory));

    private static bool Eventually(Func<bool> condition, TimeSpan timeout) => EmbeddedDhcpNode.Eventually(condition, timeout);
}
