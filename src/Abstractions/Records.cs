using System.Net;

namespace CocoonNet.Abstractions;

/// <summary>What the host asks a cloud provider to provision for one node.</summary>
/// <param name="NodeName">The virtual node name (validated: lower-case DNS label).</param>
/// <param name="Subnet">The VM subnet, canonical (network address, IPv4).</param>
/// <param name="Gateway">The gateway address that will sit on cni0.</param>
/// <param name="PoolSize">Requested number of VM addresses; a provider may return fewer (cloud limits).</param>
/// <param name="PrimaryNic">The host's primary NIC.</param>
/// <param name="Previous">Resources recorded by an earlier run, to be reused; empty on a first run.</param>
/// <param name="DryRun">Only read and plan; mutate nothing.</param>
public sealed record ProvisionRequest(
    string NodeName,
    IPNetwork Subnet,
    IPAddress Gateway,
    int PoolSize,
    string PrimaryNic,
    CloudResources Previous,
    bool DryRun);

/// <summary>The outcome of provisioning.</summary>
/// <param name="Ips">VM addresses the cloud routes to this node (excluding the gateway).</param>
/// <param name="Resources">Everything the provider created or relies on, persisted in pool.json.</param>
/// <param name="Changes">One line per change made, or planned on a dry run.</param>
public sealed record ProvisionResult(
    IReadOnlyList<IPAddress> Ips,
    CloudResources Resources,
    IReadOnlyList<string> Changes);

/// <summary>
/// Cloud resources of a node as recorded in pool.json. The well-known fields keep the upstream state
/// schema; <see cref="Extra"/> holds anything else a provider needs to find its own resources again.
/// Never put secrets here.
/// </summary>
public sealed record CloudResources
{
    /// <summary>An empty set of resources.</summary>
    public static CloudResources None { get; } = new();

    /// <summary>The VM subnet's cloud id (Volcengine).</summary>
    public string? SubnetId { get; init; }

    /// <summary>Secondary ENI ids the node uses (Volcengine).</summary>
    public IReadOnlyList<string> EniIds { get; init; } = [];

    /// <summary>Secondary range name (GKE).</summary>
    public string? AliasRangeName { get; init; }

    /// <summary>Provider-private facts, string to string; kept verbatim in pool.json.</summary>
    public IReadOnlyDictionary<string, string> Extra { get; init; } = new Dictionary<string, string>();
}

/// <summary>Lets a provider persist progress before and between mutations.</summary>
public interface IProvisionCheckpoint
{
    /// <summary>Atomically records <paramref name="resources"/> in pool.json.</summary>
    Task SaveAsync(CloudResources resources, CancellationToken cancellationToken);
}

/// <summary>What teardown asks a cloud provider to remove.</summary>
public sealed record TeardownRequest(string NodeName, IPNetwork Subnet, string PrimaryNic, CloudResources Resources, bool DryRun);

/// <summary>Live cloud facts, printed by status as <c>Label: value</c> lines after the state lines.</summary>
public sealed record CloudStatus(IReadOnlyList<StatusField> Fields);

/// <summary>One status line.</summary>
public sealed record StatusField(string Label, string Value);

/// <summary>What a host backend is told about the node.</summary>
/// <param name="NodeName">The virtual node name.</param>
/// <param name="Subnet">The VM subnet.</param>
/// <param name="PrimaryNic">The host's primary NIC.</param>
/// <param name="Resources">The node's cloud resources (empty for adopted nodes).</param>
/// <param name="Adopted">True when the cloud side was provisioned by hand (adopt).</param>
public sealed record HostContext(string NodeName, IPNetwork Subnet, string PrimaryNic, CloudResources Resources, bool Adopted);
