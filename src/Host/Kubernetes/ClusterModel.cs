using System.Net;

namespace CocoonNet.Host.Kubernetes;

/// <summary>What the agent reads of its Node: name, uid (for Events), annotations and addresses.</summary>
internal sealed record ClusterNode(
    string Name,
    string Uid,
    IReadOnlyDictionary<string, string> Annotations,
    IReadOnlyList<IPAddress> Addresses);

/// <summary>
/// One allocated node subnet: a coordination.k8s.io/v1 Lease named for the subnet, held by a node. The API server's
/// name uniqueness is the allocation's lock: two creates of one name cannot both succeed.
/// </summary>
internal sealed record SubnetLease(
    string Name,
    string? Holder,
    DateTimeOffset? AcquireTime,
    DateTimeOffset? RenewTime,
    string? ResourceVersion)
{
    /// <summary>The later of renew and acquire time: how long ago the holder last said it is alive.</summary>
    public DateTimeOffset? LastSeen => RenewTime ?? AcquireTime;
}

/// <summary>The Node status the agent owns: its condition and the extended resource (null pool: leave it alone).</summary>
internal sealed record NodeStatusUpdate(
    bool Ready,
    string Reason,
    string Message,
    DateTimeOffset HeartbeatTime,
    DateTimeOffset TransitionTime,
    int? PoolSize);

/// <summary>A core v1 Event about the Node; <paramref name="Warning"/> picks type Warning over Normal.</summary>
internal sealed record NodeEventNote(string Reason, string Message, bool Warning);
