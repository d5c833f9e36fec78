using CocoonNet.Host.AgentProcess;
using System.Net;
using CocoonNet.Node.State;
using Microsoft.Extensions.Hosting.Systemd;

namespace CocoonNet.Host.Agent;

/// <summary>
/// What the agent tells about itself, kept in one place for the loop and every trigger: the record for the one-shot
/// commands (agent.json), health (<c>/readyz</c>), metrics, and systemd's STATUS line.
/// </summary>
internal sealed class AgentStatus(
    IAgentTelemetry telemetry,
    AgentHealth health,
    ISystemdNotifier notifier,
    AgentRecordStore records,
    IDriftWatcher drift,
    TimeProvider time)
{
    private readonly Lock _gate = new();
    private readonly Lock _healthGate = new();
    private AgentRecord _record = new();

    // Why the host is degraded while the flap guard holds objects back; empty when none is.
    private volatile string _held = "";

    // Why DHCP is down (process mode: dnsmasq exited and is not back yet, or in restart backoff); empty when it serves.
    private volatile string _dhcpDown = "";
    private volatile string _controlSocket = "";
    private volatile string _embeddedDown = "";
    private volatile TaskCompletionSource _embeddedServing = new(TaskCreationOptions.RunContinuationsAsynchronously);

    // Set once the drift watch has subscribed: before, a change to the node would go unseen until the next resync.
    private volatile bool _watched;

    // Reconciles finished so far: memory is given back once a quiet interval follows new ones.
    private long _finished;

    public AgentRecord Record
    {
        get
        {
            lock (_gate)
            {
                return _record;
            }
        }
    }

    public long Finished => Interlocked.Read(ref _finished);

    public void Begin(AgentRecord record) => Update(_ => record);

    /// <summary>The start succeeded: the node described, holds reported, DHCP counted as serving until supervision says otherwise.</summary>
    public void Started(PoolState state)
    {
        Describe(state);
        ReportHeld();
        telemetry.Drift("dhcp", false);
    }

    /// <summary>A reconcile ended (<paramref name="error"/> null: it succeeded).</summary>
    public void Reconciled(string kind, TimeSpan duration, Exception? error)
    {
        Interlocked.Increment(ref _finished);
        telemetry.Reconciled(kind, duration, error is null);
        Update(r => r with { LastReconcile = new AgentReconcile(time.GetUtcNow(), kind, error is null, error is null ? null : Reason(error)) });
        UpdateHealth();
        WriteRecord();
        if (error is not null)
        {
            Say($"degraded: last {kind} reconcile failed: {Reason(error)}");
        }
    }

    /// <summary>A reconcile succeeded: each object it put back counted, once per object.</summary>
    public void Repaired(IReadOnlyList<string> objects, bool repair)
    {
        foreach (var kind in objects)
        {
            telemetry.Repaired(kind);
        }

        Update(r => r with { Repairs = r.Repairs + (repair ? objects.Count : 0) });
    }

    /// <summary>A cloud repair failed: counted, but the cloud check reports it (status, log) and readiness stays.</summary>
    public void CloudRepairFailed(string kind, TimeSpan duration) => telemetry.Reconciled(kind, duration, false);

    /// <summary>The agent stops: agent.json goes, so status no longer reports a running agent.</summary>
    public void Delete() => records.Delete();

    public void Watched()
    {
        _watched = true;
        UpdateHealth();
    }

    /// <summary>DHCP down (with why) or serving again (null).</summary>
    public void Dhcp(string? down)
    {
        _dhcpDown = down ?? "";
        UpdateHealth();
    }

    /// <summary>
    /// The embedded DHCP server is not answering yet (with why), or answers (null); also null when the node's DHCP is not
    /// the embedded server. Kept apart from <see cref="Dhcp"/>, which the dnsmasq supervision sets.
    /// </summary>
    public void EmbeddedDhcp(string? down)
    {
        if (down is null)
        {
            _embeddedServing.TrySetResult();
        }
        else if (_embeddedServing.Task.IsCompleted)
        {
            _embeddedServing = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        _embeddedDown = down is null ? "" : $"{AgentHealth.DhcpDown}: {down}";
        UpdateHealth();
    }

    /// <summary>Completes once the embedded DHCP server listens (again, after it could not).</summary>
    public Task EmbeddedDhcpServing => _embeddedServing.Task;

    /// <summary>The lease control socket cannot be served (with why), or serves again (null).</summary>
    public void ControlSocket(string? problem)
    {
        _controlSocket = problem ?? "";
        UpdateHealth();
    }

    /// <summary>Host objects held back by the flap guard: drift of the host (metrics, /readyz) while any is.</summary>
    public void ReportHeld()
    {
        var held = drift.Held;
        telemetry.Drift("host", held.Count > 0);
        _held = held.Count == 0 ? "" : $"something keeps changing {string.Join(", ", held.Keys.Order(StringComparer.Ordinal))} back";
        Update(r => r with { Held = held.Count == 0 ? null : held.OrderBy(h => h.Key, StringComparer.Ordinal).Select(h => new AgentHeld(h.Key, h.Value)).ToList() });
        UpdateHealth();
    }

    /// <summary>The node served: build info and the pool for metrics.</summary>
    public void Describe(PoolState state)
    {
        telemetry.BuildInfo(HostVersion.Current, state.Plugin ?? state.Platform, state.PluginVersion ?? "");
        telemetry.Pool((state.Ips ?? []).Select(IPAddress.Parse).ToList());
    }

    public void Update(Func<AgentRecord, AgentRecord> change)
    {
        lock (_gate)
        {
            _record = change(_record);
        }
    }

    public void WriteRecord()
    {
        try
        {
            lock (_gate)
            {
                records.Write(_record);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // The record is for status; the node's service never depends on it.
        }
    }

    /// <summary>systemd's one-line STATUS.</summary>
    public void Say(string text) => notifier.Notify(new ServiceState($"STATUS={text}"));

    public static string Reason(Exception e) =>
        string.Join("; ", e.Message.Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries));

    /// <summary>
    /// Ready once the last reconcile succeeded, the drift watch is subscribed, DHCP serves, no host object is held
    /// back and the lease control socket serves (vk-cocoon frees deleted VMs' addresses through it). DHCP down comes first: VMs get no address whatever else is right, and it is what <c>status</c> exits 3
    /// for. Cloud drift is not counted: it is reported (status, metrics) while the host keeps serving the VMs it can,
    /// and a load balancer pulling the node would not bring the cloud back.
    /// </summary>
    private void UpdateHealth()
    {
        // One writer at a time, so a reason computed from older facts never overwrites a newer one.
        lock (_healthGate)
        {
            var record = Record;
            health.Set(_dhcpDown.Length > 0 ? _dhcpDown
                : _embeddedDown.Length > 0 ? _embeddedDown
                : record.LastReconcile is { Ok: false } last ? $"last {last.Kind} reconcile failed: {last.Error}"
                : _held.Length > 0 ? _held
                : _controlSocket.Length > 0 ? _controlSocket
                : record.LastReconcile is null ? "starting: the first reconcile has not finished"
                : !_watched ? "starting: the drift watch is not subscribed yet"
                : "");
        }
    }
}
