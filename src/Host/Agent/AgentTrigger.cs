using CocoonNet.Node.Pipeline;

namespace CocoonNet.Host.Agent;

/// <summary>
/// One reason to reconcile, queued to the agent's single reconciling loop (so two reconciles never overlap):
/// <paramref name="Kind"/> <c>full</c> or <c>repair</c>, the part of the plan to run, the drifted
/// objects of a repair, and a completion the waiting source may await (true when the reconcile succeeded).
/// </summary>
internal sealed record AgentTrigger(string Kind, StepSelection Steps, IReadOnlyList<string> Objects)
{
    public TaskCompletionSource<bool> Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Work that replaces the plan's steps (a cloud repair runs init), so it queues like any reconcile.</summary>
    public Func<CancellationToken, Task>? Work { get; private init; }

    /// <summary>
    /// <c>--repair-cloud</c>: init's provisioning, then the whole host plan (a full reconcile), in the queue so it
    /// never runs beside a reconcile (each would wait on the other's state lock, and the watchdog on both).
    /// </summary>
    public static AgentTrigger Cloud(Func<CancellationToken, Task> repair) => new("full", StepSelection.All, []) { Work = repair };

    public static AgentTrigger Full() => new("full", StepSelection.All, []);

    public static AgentTrigger Dhcp() => new("repair", StepSelection.Only(HostStepId.Dhcp), []);

    /// <summary>
    /// The steps a drift batch needs: a route (or a guest agent's local route) → the routes step; the bridge →
    /// bridge and routes (a bridge re-created has lost its routes); a NIC → the backend's host preparation.
    /// </summary>
    public static AgentTrigger Repair(RepairBatch batch)
    {
        var steps = new List<HostStepId>();
        if (batch.Scope.HasFlag(RepairScope.Nics))
        {
            steps.Add(HostStepId.Prepare);
        }

        if (batch.Scope.HasFlag(RepairScope.Routes) || batch.Scope.HasFlag(RepairScope.ForeignLocalRoutes))
        {
            steps.Add(HostStepId.Routes);
        }

        if (batch.Scope.HasFlag(RepairScope.Bridge))
        {
            steps.Add(HostStepId.Bridge);
            steps.Add(HostStepId.Routes);
        }

        return new("repair", StepSelection.Only(steps), batch.Objects);
    }
}
