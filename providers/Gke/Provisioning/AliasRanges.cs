using System.Net;
using CocoonNet.Providers.Gke.Compute;

namespace CocoonNet.Providers.Gke.Provisioning;

/// <summary>How the node's VM subnet relates to the subnetwork's secondary range.</summary>
internal enum RangeFit
{
    Missing,
    Covers,
    DoesNotCover,
}

/// <summary>
/// Pure list logic for secondary ranges and nic0 aliases. Lists are always complete (the API replaces them
/// whole), so every entry not ours is carried over untouched.
/// </summary>
internal static class AliasRanges
{
    /// <summary>The shared secondary range every cocoon node's alias comes from (upstream's name, kept).</summary>
    public const string RangeName = "cocoon-pods";

    public const string Nic = "nic0";

    public static (RangeFit Fit, SecondaryRange? Range) Fit(IReadOnlyList<SecondaryRange>? ranges, IPNetwork subnet)
    {
        var range = ranges?.FirstOrDefault(r => r.RangeName == RangeName);
        return range is null
            ? (RangeFit.Missing, null)
            : (Cidr.TryParse(range.IpCidrRange, out var cidr) && Cidr.Covers(cidr, subnet) ? RangeFit.Covers : RangeFit.DoesNotCover, range);
    }

    /// <summary>The range list with <c>cocoon-pods=subnet</c> appended.</summary>
    public static IReadOnlyList<SecondaryRange> WithRange(IReadOnlyList<SecondaryRange>? ranges, IPNetwork subnet) =>
        [.. ranges ?? [], new SecondaryRange(RangeName, subnet.ToString())];

    public static bool IsOurs(AliasIpRange alias, IPNetwork subnet) =>
        alias.SubnetworkRangeName == RangeName && Cidr.SameAs(alias.IpCidrRange, subnet);

    /// <summary>
    /// The alias list with ours added, or null when it is already there. <paramref name="stale"/> is a
    /// previous alias of this node (recorded by an earlier init with another subnet): dropped in the same update.
    /// </summary>
    public static IReadOnlyList<AliasIpRange>? WithAlias(IReadOnlyList<AliasIpRange>? aliases, IPNetwork subnet, IPNetwork? stale = null)
    {
        var current = aliases ?? [];
        if (current.Any(a => IsOurs(a, subnet)))
        {
            return null;
        }

        var kept = stale is { } old ? current.Where(a => !IsOurs(a, old)) : current;
        return [.. kept, new AliasIpRange(subnet.ToString(), RangeName)];
    }

    /// <summary>The alias list without ours, or null when it is not there.</summary>
    public static IReadOnlyList<AliasIpRange>? WithoutAlias(IReadOnlyList<AliasIpRange>? aliases, IPNetwork subnet)
    {
        var current = aliases ?? [];
        return current.Any(a => IsOurs(a, subnet)) ? current.Where(a => !IsOurs(a, subnet)).ToList() : null;
    }

    public static string Describe(IReadOnlyList<AliasIpRange>? aliases) =>
        aliases is { Count: > 0 } ? string.Join(", ", aliases) : "(none)";

    public static NetworkInterface Nic0(Instance instance) =>
        instance.NetworkInterfaces?.FirstOrDefault(n => n.Name == Nic)
        ?? throw new GkeException($"{Nic} not found on instance {instance.Name}");
}
