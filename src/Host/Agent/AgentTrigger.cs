namespace CocoonNet.Host.Agent;

/// <summary>A full reconcile (pool.json read, all of the plan) or a repair of some parts of the host.</summary>
internal enum ReconcileKind
{
    Full,
    Repair,
}

/// <summary>
/// One reason to reconcile, queued to the agent's single reconciling loop (<see cref="ReconcileQueue"/>, so two
/// reconciles never overlap): its kind, the parts of the plan to run (null: all of it), the drifted objects of a
/// repair, and a completion the waiting source may await (true when the reconcile succeeded).
/// </summary>
internal sealed record AgentTrigger(ReconcileKind Kind, NodeParts? Parts, IReadOnlyList<string> Objects)
{
    public TaskCompletionSource<bool> Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Work that replaces the plan's steps (a cloud repair runs init), so it queues like any reconcile.</summary>
    public Func<CancellationToken, Task>? Work { get; private init; }

    /// <summary>A drift repair: one still waiting takes in the next (nobody awaits either's completion).</summary>
    public bool Mergeable { get; private init; }

    /// <summary><c>full</c> or <c>repair</c>, as metrics and logs name it.</summary>
    public string KindName => Kind == ReconcileKind.Full ? "full" : "repair";

    /// <summary>
    /// <c>--repair-cloud</c>: init's provisioning, then the whole host plan (a full reconcile), in the queue so it
    /// never runs beside a reconcile (each would wait on the other's state lock, and the watchdog on both).
    /// </summary>
    public static AgentTrigger Cloud(Func<CancellationToken, Task> repair) => new(ReconcileKind.Full, null, []) { Work = repair };

    public static AgentTrigger Full() => new(ReconcileKind.Full, null, []);

    public static AgentTrigger Dhcp() => new(ReconcileKind.Repair, NodeParts.Dhcp, []);

    /// <summary>The parts a drift batch needs put back (<see cref="NodePartsFor.Drift"/>).</summary>
    public static AgentTrigger Repair(RepairBatch batch) =>
        new(ReconcileKind.Repair, NodePartsFor.Drift(batch.Scope), batch.Objects) { Mergeable = true };

    /// <summary>This waiting repair and a later one, as one.</summary>
    public AgentTrigger Merge(AgentTrigger later) =>
        new(ReconcileKind.Repair, (Parts ?? NodeParts.None) | (later.Parts ?? NodeParts.None), [.. Objects, .. later.Objects]) { Mergeable = true };
}
