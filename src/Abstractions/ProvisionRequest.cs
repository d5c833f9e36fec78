using System.Net;

namespace CocoonNet.Abstractions;

/// <summary>What the host asks a cloud provider to provision for one node. Built by the host.</summary>
public sealed record ProvisionRequest
{
    /// <summary>The virtual node name (validated: lower-case DNS label).</summary>
    public required string NodeName { get; init; }

    /// <summary>The VM subnet, canonical (network address, IPv4, /30 or shorter).</summary>
    public IPNetwork Subnet => Pool.Subnet;

    /// <summary>The gateway address that will sit on cni0.</summary>
    public IPAddress Gateway => Pool.Gateway;

    /// <summary>The subnet's candidate VM addresses (network, broadcast and gateway excluded).</summary>
    public required AddressPool Pool { get; init; }

    /// <summary>Requested number of VM addresses; a provider may return fewer (cloud limits).</summary>
    public required int PoolSize { get; init; }

    /// <summary>The host's primary NIC (empty during <see cref="ICloudProvider.ValidateAsync"/>).</summary>
    public string PrimaryNic { get; init; } = "";

    /// <summary>Resources recorded by an earlier run, to be reused; empty on a first run.</summary>
    public CloudResources Previous { get; init; } = CloudResources.None;

    /// <summary>Only read and plan; mutate nothing, checkpoint nothing.</summary>
    public bool DryRun { get; init; }
}

/// <summary>The outcome of provisioning.</summary>
public sealed record ProvisionResult
{
    /// <summary>VM addresses the cloud routes to this node, all inside the subnet (the gateway is dropped).</summary>
    public required IReadOnlyList<IPAddress> Ips { get; init; }

    /// <summary>Everything the provider created or relies on, persisted in pool.json.</summary>
    public required CloudResources Resources { get; init; }

    /// <summary>The changes made, or planned on a dry run; empty when the cloud already matched.</summary>
    public IReadOnlyList<PlanChange> Changes { get; init; } = [];
}

/// <summary>Lets a provider persist progress before and between mutations.</summary>
public interface IProvisionCheckpoint
{
    /// <summary>Atomically records <paramref name="resources"/> in pool.json (durable when it returns).</summary>
    Task SaveAsync(CloudResources resources, CancellationToken cancellationToken);
}

/// <summary>What teardown asks a cloud provider to remove.</summary>
public sealed record TeardownRequest
{
    /// <summary>The virtual node name.</summary>
    public required string NodeName { get; init; }

    /// <summary>The VM subnet.</summary>
    public required IPNetwork Subnet { get; init; }

    /// <summary>The host's primary NIC as recorded.</summary>
    public string PrimaryNic { get; init; } = "";

    /// <summary>What the provider recorded; remove exactly this.</summary>
    public required CloudResources Resources { get; init; }

    /// <summary>Only plan; mutate nothing.</summary>
    public bool DryRun { get; init; }
}

/// <summary>What a host backend is told about the node.</summary>
public sealed record HostContext
{
    /// <summary>The virtual node name.</summary>
    public required string NodeName { get; init; }

    /// <summary>The VM subnet.</summary>
    public required IPNetwork Subnet { get; init; }

    /// <summary>The host's primary NIC.</summary>
    public required string PrimaryNic { get; init; }

    /// <summary>The node's cloud resources (empty for adopted nodes).</summary>
    public CloudResources Resources { get; init; } = CloudResources.None;

    /// <summary>True when the cloud side was provisioned by hand (<c>adopt</c>).</summary>
    public bool Adopted { get; init; }
}

/// <summary>Live cloud facts, printed by status as <c>Label: value</c> lines after the state lines.</summary>
public sealed record CloudStatus
{
    /// <summary>No facts.</summary>
    public static CloudStatus None { get; } = new();

    /// <summary>The facts, in display order.</summary>
    public IReadOnlyList<StatusField> Fields { get; init; } = [];
#if !CONTRACT_BEFORE_2_2

    /// <summary>
    /// Where the cloud differs from what the node's provisioning recorded (<see cref="CloudResources"/>), one short
    /// line per thing, e.g. <c>ENI eni-1 is detached</c> or <c>alias range 172.20.1.0/24 missing on nic0</c>; empty
    /// when the cloud matches, and when <see cref="Reachable"/> is false (nothing could be compared). The agent
    /// reports these lines as cloud drift and, only with <c>--repair-cloud</c>, runs provisioning again when there
    /// are any; <c>status</c> lists them as problems. A plugin built before 2.2 reports none. Added in contract 2.2.
    /// </summary>
    public IReadOnlyList<string> Drift { get; init; } = [];

    /// <summary>
    /// False when the provider could not ask the cloud (API or metadata unreachable, refused, timed out): the
    /// agent reports the cloud as unreachable, not drifted, and repairs nothing. Throwing from
    /// <see cref="ICloudProvider.GetStatusAsync"/> means the same. Default: true. Added in contract 2.2.
    /// </summary>
    public bool Reachable { get; init; } = true;
#endif
}

/// <summary>One status fact.</summary>
public sealed record StatusField
{
    /// <summary>What it is, e.g. <c>SubnetID</c>.</summary>
    public required string Label { get; init; }

    /// <summary>Its value.</summary>
    public required string Value { get; init; }
}
