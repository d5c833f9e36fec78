using Microsoft.Extensions.Logging;

namespace CocoonNet.Host.Agent;

/// <summary>
/// The cloud check: drift is reported (status, <c>cocoon_net_drift{component="cloud"}</c>) and repaired only
/// with --repair-cloud; an unreachable cloud is reported as such and counts as no drift. Neither makes the
/// agent unready: the host keeps serving its VMs.
/// </summary>
internal sealed class CloudCheckTrigger(
    AgentCloudCheck cloudCheck,
    AgentOptions options,
    ReconcileQueue queue,
    AgentStatus status,
    IAgentTelemetry telemetry,
    TimeProvider time,
    ILogger<CloudCheckTrigger> logger)
{
    private readonly Random _random = new();

    public async Task RunAsync(TimeSpan interval, CancellationToken stoppingToken)
    {
        while (true)
        {
            await Task.Delay(Durations.Jittered(interval, _random), time, stoppingToken).ConfigureAwait(false);
            if (await cloudCheck.CheckAsync(options, stoppingToken).ConfigureAwait(false) is not { } verdict)
            {
                continue;
            }

            var repaired = false;
            string? repairError = null;
            if (options.RepairCloud && verdict.NeedsRepair)
            {
                // Queued like any reconcile: provisioning never runs beside one.
                var repair = AgentTrigger.Cloud(async ct =>
                {
                    try
                    {
                        await cloudCheck.RepairAsync(options, ct).ConfigureAwait(false);
                    }
                    catch (CloudRepairException e)
                    {
                        repairError = e.Message;
                        throw;
                    }
                });
                repaired = await queue.RunAsync(repair, stoppingToken).ConfigureAwait(false);
                repairError ??= repaired ? null : "the repair did not finish";
            }

            var drifted = verdict.Drifted && !repaired;
            if (verdict.Condition == CloudCondition.Unreachable)
            {
                logger.CloudUnreachable(verdict.Detail);
            }
            else if (repaired)
            {
                logger.CloudRepaired(verdict.Detail);
                foreach (var _ in verdict.Drift)
                {
                    telemetry.Repaired("cloud");
                }
            }
            else if (repairError is { } error)
            {
                logger.CloudRepairFailed(verdict.Detail, error);
            }
            else if (drifted)
            {
                logger.CloudDrift(verdict.Detail);
            }
            else if (status.Record.CloudDrift == true)
            {
                logger.CloudBack();
            }

            telemetry.Drift("cloud", drifted);
            var reachable = verdict.Condition != CloudCondition.Unreachable;
            status.Update(r => r with
            {
                CloudDrift = drifted,
                CloudDriftLines = drifted ? verdict.Drift : null,
                CloudReachable = reachable,
                CloudDetail = reachable ? null : verdict.Detail,
                Repairs = r.Repairs + (repaired ? verdict.Drift.Count : 0),
            });
            status.WriteRecord();
        }
    }
}
