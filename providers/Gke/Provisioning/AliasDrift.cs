using System.Net;
using CocoonNet.Providers.Gke.Compute;

namespace CocoonNet.Providers.Gke.Provisioning;

/// <summary>
/// Where the live cloud no longer routes the node's VM subnet as init left it: the alias recorded in pool.json
/// gone from (or changed on) nic0, or the subnetwork's secondary range it comes from gone or shrunk. One short
/// line each, for <c>CloudStatus.Drift</c>.
/// </summary>
internal static class AliasDrift
{
    public static IReadOnlyList<string> Find(
        IPNetwork recorded, IReadOnlyList<AliasIpRange>? aliases, SubnetworkRef? subnetwork, IReadOnlyList<SecondaryRange>? ranges)
    {
        var drift = new List<string>();
        if (!(aliases ?? []).Any(a => AliasRanges.IsOurs(a, recorded)))
        {
            var other = (aliases ?? []).FirstOrDefault(a => a.SubnetworkRangeName == AliasRanges.RangeName);
            drift.Add(other is null
                ? $"alias range {recorded} missing on {AliasRanges.Nic}"
                : $"alias range on {AliasRanges.Nic} is {other.IpCidrRange}, pool.json records {recorded}");
        }

        if (subnetwork is not null)
        {
            var (fit, range) = AliasRanges.Fit(ranges, recorded);
            switch (fit)
            {
                case RangeFit.Missing:
                    drift.Add($"secondary range {AliasRanges.RangeName} is gone from subnetwork {subnetwork.Name}");
                    break;
                case RangeFit.DoesNotCover:
                    drift.Add($"secondary range {AliasRanges.RangeName} of subnetwork {subnetwork.Name} is {range!.IpCidrRange}, which does not cover {recorded}");
                    break;
            }
        }

        return drift;
    }
}
