using System.Net;

namespace CocoonNet.Host.Agent;

// The seams between the agent's parts: the kernel-event drift watcher (Agent/Drift), the metrics and HTTP
// endpoints (Agent/Telemetry), and the loop that decides what to reconcile (Agent/*.cs).

/// <summary>Which parts of the host plan a repair must run again.</summary>
[Flags]
internal enum RepairScope
{
    None = 0,

    /// <summary>A <c>/32</c> route of the pool is missing or changed.</summary>
    Routes = 1,

    /// <summary>The bridge, its address or its up state.</summary>
    Bridge = 2,

    /// <summary>A local-table route inside the VM subnet on a device other than the bridge (a guest agent's claim).</summary>
    ForeignLocalRoutes = 4,

    /// <summary>A NIC the backend brings up (e.g. a secondary ENI) went down.</summary>
    Nics = 8,
}

/// <summary>What the drift watcher must know about the node to tell which kernel events concern it.</summary>
/// <param name="Subnet">The VM subnet.</param>
/// <param name="Ips">The pool's addresses (one <c>/32</c> route each).</param>
/// <param name="Bridge">The bridge name (<c>cni0</c>).</param>
/// <param name="Nics">NICs the backend keeps up; empty when it keeps none.</param>
internal sealed record DriftScope(IPNetwork Subnet, IReadOnlyList<IPAddress> Ips, string Bridge, IReadOnlyList<string> Nics);

/// <summary>One debounced batch of drift: what to run again, and the objects that drifted (for repair counts and logs).</summary>
/// <param name="Scope">The union of the parts to re-run.</param>
/// <param name="Objects">Drifted objects by kind, e.g. <c>route</c>, <c>bridge</c>, <c>address</c>, <c>local-route</c>, <c>nic</c>.</param>
internal sealed record RepairBatch(RepairScope Scope, IReadOnlyList<string> Objects);

/// <summary>Turns kernel (rtnetlink) events into debounced repair batches for one node.</summary>
internal interface IDriftWatcher
{
    /// <summary>
    /// Subscribes before it returns the first batch's enumerator, so nothing between subscribe and the caller's
    /// first full reconcile is missed. Yields a batch as soon as an event shows drift (with the notifications already
    /// queued behind it), and an empty one (<see cref="RepairScope.None"/>) when only a hold began, so the hold is
    /// reported at once.
    /// </summary>
    IAsyncEnumerable<RepairBatch> WatchAsync(DriftScope scope, CancellationToken cancellationToken);

    /// <summary>
    /// Objects whose event repairs are held back because something keeps changing them back, with the time each
    /// hold ends (the full resync still puts them back). Safe to read from any thread.
    /// </summary>
    IReadOnlyDictionary<string, DateTimeOffset> Held { get; }
}

/// <summary>What the agent reports; the metrics exporter implements it (a no-op in one-shot commands and tests).</summary>
internal interface IAgentTelemetry
{
    void BuildInfo(string version, string plugin, string pluginVersion);

    /// <summary>The pool's addresses (their count is a series; DHCP leases are counted only for them).</summary>
    void Pool(IReadOnlyList<IPAddress> ips);

    /// <summary>A reconcile finished; <paramref name="kind"/> is <c>full</c> or <c>repair</c>.</summary>
    void Reconciled(string kind, TimeSpan duration, bool succeeded);

    /// <summary>One object repaired; <paramref name="kind"/> as in <see cref="RepairBatch.Objects"/>.</summary>
    void Repaired(string kind);

    void DhcpRestarted();

    /// <summary>Whether a component (e.g. <c>host</c>, <c>cloud</c>, <c>dhcp</c>) is currently drifted.</summary>
    void Drift(string component, bool drifted);
}

/// <summary>The agent's health as <c>/healthz</c> and <c>/readyz</c> report it.</summary>
internal interface IAgentHealth
{
    /// <summary>True when the last reconcile succeeded and nothing is degraded.</summary>
    bool Ready { get; }

    /// <summary>One line saying why not ready; empty when ready.</summary>
    string Reason { get; }
}
