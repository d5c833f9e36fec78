using Microsoft.Extensions.Logging;

namespace CocoonNet.Host.Kubernetes;

/// <summary>The Kubernetes mode's log lines, source-generated.</summary>
internal static partial class KubernetesLog
{
    [LoggerMessage(Level = LogLevel.Debug, Message = "Kubernetes API call failed, retry {Attempt} in {Milliseconds:F0} ms: {Reason}")]
    public static partial void ApiRetrying(this ILogger logger, int attempt, double milliseconds, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "claimed VM subnet {Subnet} (lease {Lease})")]
    public static partial void SubnetClaimed(this ILogger logger, System.Net.IPNetwork subnet, string lease);

    [LoggerMessage(Level = LogLevel.Information, Message = "this node already holds VM subnet {Subnet} (lease {Lease})")]
    public static partial void SubnetReused(this ILogger logger, System.Net.IPNetwork subnet, string lease);

    [LoggerMessage(Level = LogLevel.Warning,
        Message = "orphan lease {Lease} (node {Node} is gone): the API server refused to delete it (a node may delete only its own leases); delete it with: kubectl -n {Namespace} delete lease {Lease}")]
    public static partial void OrphanRefused(this ILogger logger, string lease, string node, string @namespace);

    [LoggerMessage(Level = LogLevel.Warning, Message = "watching the node failed, watching again in {Delay}: {Reason}")]
    public static partial void WatchFailed(this ILogger logger, string delay, string reason);

    // The API server ends every watch after its timeoutSeconds: routine, not worth a warning.
    [LoggerMessage(Level = LogLevel.Debug, Message = "the node watch ended; watching again in {Delay}")]
    public static partial void WatchEnded(this ILogger logger, string delay);

    [LoggerMessage(Level = LogLevel.Warning, Message = "publishing the node status failed, retrying in {Delay}: {Reason}")]
    public static partial void PublishFailed(this ILogger logger, string delay, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "the node is not configured: {Reason}")]
    public static partial void NotConfigured(this ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "node configuration changed ({Change}): starting again")]
    public static partial void Reconfiguring(this ILogger logger, string change);

    [LoggerMessage(Level = LogLevel.Warning, Message = "VM subnet changes from {Old} to {New}: tearing down the host part of the old one first")]
    public static partial void TearingDownForNewSubnet(this ILogger logger, string old, string @new);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Kubernetes API: {Reason}; retrying in {Delay}")]
    public static partial void ApiUnavailable(this ILogger logger, string reason, string delay);

    [LoggerMessage(Level = LogLevel.Information, Message = "deleted orphan lease {Lease} (node {Node} is gone)")]
    public static partial void OrphanDeleted(this ILogger logger, string lease, string node);
}
