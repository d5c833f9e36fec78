using Microsoft.Extensions.Logging;

namespace CocoonNet.Providers.Gke;

/// <summary>Every log message of the plugin, source-generated. Tokens and key material never appear here.</summary>
internal static partial class GkeLog
{
    [LoggerMessage(Level = LogLevel.Debug, Message = "compute {Method} {Path}: {Status} in {Milliseconds:0} ms")]
    public static partial void ComputeCall(this ILogger logger, string method, string path, int status, double milliseconds);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{What}: attempt {Attempt} failed ({Reason}); retrying in {DelayMilliseconds:0} ms")]
    public static partial void Retrying(this ILogger logger, string what, int attempt, double delayMilliseconds, string reason);

    [LoggerMessage(Level = LogLevel.Debug, Message = "operation {Name} is {Status}; waiting")]
    public static partial void OperationPending(this ILogger logger, string name, string status);

    [LoggerMessage(Level = LogLevel.Debug, Message = "operation {Name} done in {Milliseconds:0} ms")]
    public static partial void OperationDone(this ILogger logger, string name, double milliseconds);

    [LoggerMessage(Level = LogLevel.Debug, Message = "metadata server {Authority}: HTTP {Status}, Metadata-Flavor: Google {Flavored}")]
    public static partial void MetadataProbe(this ILogger logger, string authority, int status, bool flavored);

    [LoggerMessage(Level = LogLevel.Debug, Message = "metadata server {Authority}: probe {Attempt} failed: {Reason}")]
    public static partial void MetadataProbeFailed(this ILogger logger, string authority, int attempt, string reason);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Google credentials: {Kind}")]
    public static partial void CredentialSource(this ILogger logger, string kind);

    [LoggerMessage(Level = LogLevel.Debug, Message = "GCE node: project {Project}, zone {Zone}, instance {Instance}")]
    public static partial void Located(this ILogger logger, string project, string zone, string instance);

    [LoggerMessage(Level = LogLevel.Information, Message = "reusing secondary range {Name}={Range} on subnetwork {Subnetwork}")]
    public static partial void RangeReused(this ILogger logger, string name, string range, string subnetwork);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Target} changed under us (fingerprint conflict {Count}); reading it again")]
    public static partial void FingerprintConflict(this ILogger logger, string target, int count);

    [LoggerMessage(Level = LogLevel.Information, Message = "alias {Name}:{Range} already on nic0 of {Instance}")]
    public static partial void AliasPresent(this ILogger logger, string name, System.Net.IPNetwork range, string instance);

    [LoggerMessage(Level = LogLevel.Warning, Message = "alias {Name}:{Range} not on nic0 of {Instance}; nothing to remove")]
    public static partial void AliasAbsent(this ILogger logger, string name, System.Net.IPNetwork range, string instance);

    [LoggerMessage(Level = LogLevel.Information, Message = "no alias recorded in pool.json: init stopped before assigning one; nothing to remove in the cloud")]
    public static partial void NoAliasRecorded(this ILogger logger);

    [LoggerMessage(Level = LogLevel.Information, Message = "adopted node: the guest agent's configuration is left as it is (see docs/gke.md)")]
    public static partial void GuestAgentSkippedAdopted(this ILogger logger);

    [LoggerMessage(Level = LogLevel.Debug, Message = "{Unit} is not installed (or systemd is not running): nothing to restart")]
    public static partial void GuestAgentNotInstalled(this ILogger logger, string unit);

    [LoggerMessage(Level = LogLevel.Warning, Message = "the guest agent put its local route back after the restart: {Change}")]
    public static partial void GuestAgentReAddedRoute(this ILogger logger, string change);

    [LoggerMessage(Level = LogLevel.Warning, Message = "guest agent restart failed: {Reason}")]
    public static partial void GuestAgentRestartFailed(this ILogger logger, string reason);
}
