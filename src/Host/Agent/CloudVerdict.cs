using CocoonNet.Abstractions;

namespace CocoonNet.Host.Agent;

/// <summary>What one cloud check found.</summary>
internal enum CloudCondition
{
    /// <summary>The cloud matches what provisioning recorded (or the plugin, built before contract 2.2, cannot tell).</summary>
    Matches,

    /// <summary>The provider listed differences (<see cref="CloudStatus.Drift"/>).</summary>
    Drifted,

    /// <summary>The provider could not ask the cloud: nothing is known, so nothing is drift and nothing is repaired.</summary>
    Unreachable,
}

/// <summary>
/// The decision of one cloud check, from the provider's answer: drift only when the provider lists differences;
/// an unreachable cloud (said so, or an exception) is reported as such, never as drift, so <c>--repair-cloud</c>
/// never provisions on a failed read.
/// </summary>
internal sealed record CloudVerdict(CloudCondition Condition, IReadOnlyList<string> Drift, string Detail)
{
    /// <summary>What status says when the provider reports the cloud unreachable without throwing.</summary>
    public const string UnreachableReason = "the provider could not reach the cloud API";

    public static CloudVerdict Matches { get; } = new(CloudCondition.Matches, [], "");

    public bool Drifted => Condition == CloudCondition.Drifted;

    /// <summary>Whether <c>--repair-cloud</c> runs provisioning: only on listed drift.</summary>
    public bool NeedsRepair => Condition == CloudCondition.Drifted && Drift.Count > 0;

    public static CloudVerdict Of(CloudStatus? status) =>
        status is null ? Unreachable("the provider gave no answer")
        : !status.Reachable ? Unreachable(UnreachableReason)
        : status.Drift.Count > 0 ? new CloudVerdict(CloudCondition.Drifted, status.Drift, string.Join("; ", status.Drift))
        : Matches;

    public static CloudVerdict Unreachable(string reason) => new(CloudCondition.Unreachable, [], reason);

    /// <summary>
    /// The interval between checks: <paramref name="requested"/> raised to the provider's minimum (its API rate
    /// limits); <c>Raised</c> says whether it was.
    /// </summary>
    public static (TimeSpan Interval, bool Raised) Interval(TimeSpan requested, TimeSpan minimum) =>
        requested < minimum ? (minimum, true) : (requested, false);
}
