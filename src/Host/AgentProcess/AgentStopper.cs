using System.Runtime.InteropServices;
using CocoonNet.Node.Linux;
using CocoonNet.Host.Operations;

namespace CocoonNet.Host.AgentProcess;

/// <summary>
/// What teardown does about a running agent, before it changes anything, so nothing is rebuilt behind it: an agent
/// under systemd is systemd's to stop (teardown refuses, saying how); any other is sent SIGTERM and given 5 s.
/// </summary>
internal static partial class AgentStopper
{
    public static readonly TimeSpan StopWait = TimeSpan.FromSeconds(5);

    private const int SigTerm = 15;

    /// <summary>Returns the line to print, or null when no agent runs. Throws UsageException (exit 2) for a systemd agent.</summary>
    public static async Task<string?> StopAsync(HostPaths paths, bool dryRun, CancellationToken cancellationToken)
    {
        var records = new AgentRecordStore(paths);
        if (records.ReadLive() is not { } agent)
        {
            if (!dryRun)
            {
                records.Delete(); // a killed agent's record: nothing else would remove it, and it keeps /run/cocoon-net in place
            }

            return null;
        }

        if (agent.UnderSystemd)
        {
            throw new UsageException(
                $"a cocoon-net agent (pid {agent.Pid}) runs under systemd: run 'systemctl stop cocoon-net' first (and 'systemctl disable cocoon-net' so a reboot does not start it again)");
        }

        if (dryRun)
        {
            return $"would stop the cocoon-net agent (pid {agent.Pid})";
        }

        _ = Kill(agent.Pid, SigTerm);
        var deadline = DateTime.UtcNow + StopWait;
        while (AgentRecordStore.IsCocoonNet(agent.Pid) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50, cancellationToken).ConfigureAwait(false);
        }

        if (AgentRecordStore.IsCocoonNet(agent.Pid))
        {
            throw new InvalidOperationException(
                $"the cocoon-net agent (pid {agent.Pid}) did not stop within {StopWait.TotalSeconds:0} s of SIGTERM; stop it (kill {agent.Pid}) and run teardown again");
        }

        records.Delete();
        return $"stopped the cocoon-net agent (pid {agent.Pid})";
    }

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);
}
