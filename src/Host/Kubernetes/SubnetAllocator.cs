using System.Net;
using CocoonNet.Node.Net;
using Microsoft.Extensions.Logging;

namespace CocoonNet.Host.Kubernetes;

/// <summary>
/// Fleet subnet allocation: a node claims the lowest free subnet of the cluster range by creating the Lease named
/// for it. The API server refuses a second create of one name (409), so two nodes never get the same subnet,
/// however they race; a lease this node already holds (a crash after the create) is reused.
/// </summary>
internal sealed class SubnetAllocator(INodeApi api, string leaseNamespace, TimeProvider time, ILogger logger)
{
    /// <summary>Claims (or finds) this node's subnet. <paramref name="avoid"/>: the node's own addresses (its VPC subnet).</summary>
    public async Task<IPNetwork> ClaimAsync(string node, IPNetwork range, int prefix, IReadOnlyList<IPAddress> avoid, CancellationToken cancellationToken)
    {
        // One list first: skip what is taken (fewer 409s), and find a lease this node already holds.
        var leases = await api.ListLeasesAsync(leaseNamespace, cancellationToken).ConfigureAwait(false);
        var taken = new List<IPNetwork>();
        foreach (var lease in leases)
        {
            if (ClusterNames.SubnetOf(lease.Name) is not { } subnet)
            {
                continue;
            }

            if (lease.Holder == node && subnet.PrefixLength == prefix && Inside(range, subnet))
            {
                logger.SubnetReused(subnet, lease.Name);
                return subnet;
            }

            taken.Add(subnet);
        }

        foreach (var candidate in Candidates(range, prefix))
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (taken.Any(t => Overlap(t, candidate)) || avoid.Any(candidate.Contains))
            {
                continue;
            }

            var name = ClusterNames.LeaseName(candidate);
            var now = time.GetUtcNow();
            if (await api.CreateLeaseAsync(leaseNamespace, new SubnetLease(name, node, now, now, null), cancellationToken).ConfigureAwait(false))
            {
                if (await RivalAsync(node, candidate, name, cancellationToken).ConfigureAwait(false) is { } rival)
                {
                    taken.Add(rival.Subnet);
                    continue;
                }

                logger.SubnetClaimed(candidate, name);
                return candidate;
            }

            // Taken meanwhile: ours only if this node created it before (a crash between create and annotate).
            if (await api.GetLeaseAsync(leaseNamespace, name, cancellationToken).ConfigureAwait(false) is { } existing && existing.Holder == node)
            {
                logger.SubnetReused(candidate, name);
                return candidate;
            }
        }

        throw new InvalidOperationException(
            $"no free /{prefix} left in {range} (leases in namespace {leaseNamespace}): widen --cluster-vm-cidr, or delete the leases of nodes that are gone");
    }

    /// <summary>
    /// A subnet given by hand (annotation or flag) inside the cluster range takes its Lease too, so the allocator never
    /// hands it to another node. Null when this node holds it (now or before); else the node that holds it.
    /// </summary>
    public async Task<string?> HoldAsync(string node, IPNetwork subnet, CancellationToken cancellationToken)
    {
        var name = ClusterNames.LeaseName(subnet);
        foreach (var lease in await api.ListLeasesAsync(leaseNamespace, cancellationToken).ConfigureAwait(false))
        {
            // Another node's lease of another size over some of the same addresses (a /23 against /24s).
            if (lease.Name != name && lease.Holder != node && ClusterNames.SubnetOf(lease.Name) is { } other && Overlap(other, subnet))
            {
                return lease.Holder ?? lease.Name;
            }
        }

        var now = time.GetUtcNow();
        if (await api.CreateLeaseAsync(leaseNamespace, new SubnetLease(name, node, now, now, null), cancellationToken).ConfigureAwait(false))
        {
            if (await RivalAsync(node, subnet, name, cancellationToken).ConfigureAwait(false) is { } rival)
            {
                return rival.Holder;
            }

            logger.SubnetClaimed(subnet, name);
            return null;
        }

        // A lease deleted between the create and this read (teardown, GC) is free: thrown as transient, so the
        // decision is retried with backoff (a refusal would wait for an annotation change that may never come).
        var holder = (await api.GetLeaseAsync(leaseNamespace, name, cancellationToken).ConfigureAwait(false))?.Holder;
        return holder == node
            ? null
            : holder ?? throw new InvalidOperationException($"lease {name} in namespace {leaseNamespace} was released while this node tried to take it");
    }

    /// <summary>
    /// After a create: another node's lease of another size over some of the same addresses. Their names differ, so
    /// the API server's name lock cannot see the clash (a /23 set by hand racing a /24 claim). Of two such creates,
    /// the later one's list sees the earlier lease, so at least one backs off: its own lease is deleted (at the
    /// resourceVersion listed) and the rival's subnet and holder are returned.
    /// </summary>
    private async Task<(IPNetwork Subnet, string Holder)?> RivalAsync(string node, IPNetwork subnet, string name, CancellationToken cancellationToken)
    {
        SubnetLease? own = null;
        (IPNetwork Subnet, string Holder)? rival = null;
        foreach (var lease in await api.ListLeasesAsync(leaseNamespace, cancellationToken).ConfigureAwait(false))
        {
            if (lease.Name == name)
            {
                own = lease;
            }
            else if (lease.Holder != node && ClusterNames.SubnetOf(lease.Name) is { } other && Overlap(other, subnet))
            {
                rival ??= (other, lease.Holder ?? lease.Name);
            }
        }

        if (rival is not null && own is { Holder: var holder, ResourceVersion: { } version } && holder == node)
        {
            await api.DeleteLeaseAsync(leaseNamespace, name, version, cancellationToken).ConfigureAwait(false);
        }

        return rival;
    }

    /// <summary>Whether <paramref name="subnet"/> shares addresses with <paramref name="range"/>.</summary>
    public static bool Overlaps(IPNetwork range, IPNetwork subnet) => Overlap(range, subnet);

    /// <summary>The range's subnets of the prefix, lowest first.</summary>
    public static IEnumerable<IPNetwork> Candidates(IPNetwork range, int prefix)
    {
        var first = (ulong)Ipv4.ToUInt32(range.BaseAddress);
        var end = first + (1UL << (32 - range.PrefixLength));
        var step = 1UL << (32 - prefix);
        for (var at = first; at < end; at += step)
        {
            yield return new IPNetwork(Ipv4.FromUInt32((uint)at), prefix);
        }
    }

    private static bool Inside(IPNetwork range, IPNetwork subnet) =>
        subnet.PrefixLength >= range.PrefixLength && range.Contains(subnet.BaseAddress);

    private static bool Overlap(IPNetwork a, IPNetwork b) => a.Contains(b.BaseAddress) || b.Contains(a.BaseAddress);
}
