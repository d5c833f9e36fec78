using System.Diagnostics;
using System.Globalization;
using CocoonNet.Tests.Support;
using static CocoonNet.Tests.Integration.AgentInNamespacesTests;

namespace CocoonNet.Tests.Integration;

/// <summary>
/// The repair path from kernel events runs from the node the agent holds in memory: with strace attached to the running
/// agent, 20 deleted pool routes all come back while the agent opens neither pool.json, nor the state lock, nor any
/// plugin file, and takes no flock.
/// </summary>
[Collection(NamespaceCollection.Name)]
public sealed class AgentHotPathInNamespacesTests
{
    private static readonly string[] AgentAdopt =
        ["--mode", "adopt", "--node-name", "sandbox", "--subnet", "172.20.0.0/24", "--manage-iptables", "--resync", "10m"];

    [PrivilegedFact]
    public void Twenty_deleted_routes_come_back_without_opening_pool_json_the_lock_or_a_plugin()
    {
        Assert.True(Shell.Run("strace", ["-V"]).ExitCode == 0, "strace is needed for this test (apt-get install strace, or make deps-system)");
        using var sandbox = new Sandbox();
        using var agent = new AgentProcess(sandbox, AgentAdopt);
        Assert.True(agent.WaitForReady(), agent.Output);
        // The full reconcile queued at ready reads pool.json under the lock: traced from after it.
        Assert.True(Eventually(() => agent.Output.Contains("full reconcile (all) in", StringComparison.Ordinal), TimeSpan.FromSeconds(10)), agent.Output);
        Assert.Equal(253, sandbox.RoutesWithProtocol("204").Count);

        var trace = Path.Combine(sandbox.Root, "agent.strace");
        var pid = agent.Pid.ToString(CultureInfo.InvariantCulture);
        using var strace = Process.Start(new ProcessStartInfo("strace", ["-f", "-qq", "-e", "trace=open,openat,flock", "-o", trace, "-p", pid])
        {
            RedirectStandardError = true,
            UseShellExecute = false,
        })!;
        try
        {
            Assert.True(Eventually(() => AllThreadsTraced(agent.Pid), TimeSpan.FromSeconds(10)), "strace did not attach to every thread of the agent");

            var ips = Enumerable.Range(10, 20).Select(i => $"172.20.0.{i}").ToList();
            foreach (var ip in ips)
            {
                sandbox.InNamespace(sandbox.Node, "ip", "route", "del", $"{ip}/32", "dev", "cni0");
            }

            Assert.True(Eventually(() => sandbox.RoutesWithProtocol("204").Count == 253, TimeSpan.FromSeconds(5)),
                $"the deleted routes did not all come back\n{agent.Output}");
            // The repair's record (agent.json) is written after the route is back: wait for it, a sign the tracer sees the agent.
            Assert.True(Eventually(() => File.Exists(trace) && File.ReadAllText(trace).Contains("agent.json", StringComparison.Ordinal), TimeSpan.FromSeconds(5)),
                $"strace saw no file opened by the agent at all\n{(File.Exists(trace) ? File.ReadAllText(trace) : "(no trace)")}");
        }
        finally
        {
            Shell.Run("kill", ["-INT", strace.Id.ToString(CultureInfo.InvariantCulture)]);
            strace.WaitForExit(10_000);
        }

        var lines = File.ReadAllLines(trace);
        var stateDirectory = sandbox.StateDirectory;
        var forbidden = lines.Where(l =>
                l.Contains("flock(", StringComparison.Ordinal)
                || l.Contains("pool.json", StringComparison.Ordinal)
                || l.Contains($"{stateDirectory}/.lock", StringComparison.Ordinal)
                || l.Contains(sandbox.PluginsDirectory, StringComparison.Ordinal))
            .ToList();
        Assert.True(forbidden.Count == 0, $"the repairs touched the state or a plugin:\n{string.Join('\n', forbidden)}\n--- agent\n{agent.Output}");
        Assert.Contains("repair reconcile (routes)", agent.Output, StringComparison.Ordinal);
        Assert.False(agent.HasExited, agent.Output);
    }

    /// <summary>Every thread of <paramref name="pid"/> has a tracer (strace -f attaches them one by one).</summary>
    private static bool AllThreadsTraced(int pid)
    {
        try
        {
            return Directory.GetDirectories($"/proc/{pid}/task").All(task =>
                File.ReadLines(Path.Combine(task, "status")).FirstOrDefault(l => l.StartsWith("TracerPid:", StringComparison.Ordinal)) is { } line
                && line.Split('\t', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)[^1] != "0");
        }
        catch (IOException)
        {
            return false;
        }
    }
}
