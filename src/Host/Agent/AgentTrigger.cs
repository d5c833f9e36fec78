using CocoonNet.Host.Pipeline;

namespace CocoonNet.Host.Agent;

/// <summary>
/// One reason to reconcile, queued to the agent's single reconciling loop (so two reconciles never overlap):
/// <paramref name="Kind"/> <c>full</c> or <c>repair</c>, the part of the plan to run, the drifted objects of a
/// repair, and a completion the waiting source may await (true when the reconcile succeeded).
/// </summary>
internal sealed record AgentTrigger(string Kind, StepSelection Steps, IReadOnlyList<string> Objects)
{
    public TaskCompletionSource<bool> Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public static AgentTrigger Full() => new("full", StepSelection.All, []);

    public static AgentTrigger Dhcp() => new("repair", new StepSelection(false, new HashSet<string>(StringComparer.Ordinal) { "dhcp" }), []);

    /// <summary>
    /// The steps a drift batch needs: a route (or a guest agent's local route) → the routes step; the bridge →
    /// bridge and routes (a bridge re-created has lost its routes); a NIC → the backend's host preparation.
    /// </summary>
    public static AgentTrigger Repair(RepairBatch batch)
    {
        var steps = new HashSet<string>(StringComparer.Ordinal);
        if (batch.Scope.HasFlag(RepairScope.Routes) || batch.Scope.HasFlag(RepairScope.ForeignLocalRoutes))
        {
            steps.Add("routes");
        }

        if (batch.Scope.HasFlag(RepairScope.Bridge))
        {
            steps.Add("bridge");
            steps.Add("routes");
        }

        return new("repair", new StepSelection(batch.Scope.HasFlag(RepairScope.Nics), steps), batch.Objects);
    }
}
