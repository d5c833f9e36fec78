using System.Text.Json.Serialization;

namespace CocoonNet.Host.AgentProcess;

/// <summary>
/// What a running agent tells the one-shot commands, in <c>/run/cocoon-net/agent.json</c>: who it is (pid, under
/// systemd or not), and how the node fared (last reconcile, repairs, DHCP restarts, cloud drift).
/// </summary>
internal sealed record AgentRecord
{
    public int Pid { get; init; }

    public DateTimeOffset Started { get; init; }

    /// <summary><c>serve</c>, <c>init</c> or <c>adopt</c>: how the agent started.</summary>
    public string Mode { get; init; } = "serve";

    /// <summary>Started by systemd (INVOCATION_ID set): teardown must not stop it behind systemd's back.</summary>
    public bool UnderSystemd { get; init; }

    public AgentReconcile? LastReconcile { get; init; }

    public int Repairs { get; init; }

    public int DhcpRestarts { get; init; }

    /// <summary>Null until the first cloud check (or when the check is off).</summary>
    public bool? CloudDrift { get; init; }

    /// <summary>What the last cloud check found different from pool.json, one line each (the provider's <c>CloudStatus.Drift</c>).</summary>
    public IReadOnlyList<string>? CloudDriftLines { get; init; }

    /// <summary>False when the last cloud check could not ask the cloud; null until the first check.</summary>
    public bool? CloudReachable { get; init; }

    /// <summary>Why the last cloud check could not ask the cloud (with <see cref="CloudReachable"/> false).</summary>
    public string? CloudDetail { get; init; }

    /// <summary>Host objects the agent stopped repairing for a while because something keeps changing them back.</summary>
    public IReadOnlyList<AgentHeld>? Held { get; init; }
}

/// <summary>One object on hold (the flap guard): what, and until when the agent leaves it alone.</summary>
internal sealed record AgentHeld(string Object, DateTimeOffset Until);

/// <summary>One reconcile: when it finished, <c>full</c> or <c>repair</c>, and its error when it failed.</summary>
internal sealed record AgentReconcile(DateTimeOffset Time, string Kind, bool Ok, string? Error);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, WriteIndented = true,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(AgentRecord))]
internal sealed partial class AgentRecordJsonContext : JsonSerializerContext;
