using System.Net;
using CocoonNet.Providers.Gke.Compute;
using CocoonNet.Providers.Gke.Provisioning;

namespace CocoonNet.Gke.Tests.Unit;

/// <summary>Cloud drift (contract 2.2 <c>CloudStatus.Drift</c>): what GKE's status calls drift against what init recorded.</summary>
public sealed class AliasDriftTests
{
    private static readonly IPNetwork Recorded = IPNetwork.Parse("172.20.1.0/24");
    private static readonly SubnetworkRef Subnetwork = new("p", "us-central1", "default");
    private static readonly AliasIpRange GkePods = new("10.8.1.0/24", "gke-pods");
    private static readonly SecondaryRange Range = new("cocoon-pods", "172.20.0.0/16");

    [Fact]
    public void The_recorded_alias_on_nic0_and_a_covering_range_is_no_drift()
    {
        Assert.Empty(AliasDrift.Find(Recorded, [GkePods, new AliasIpRange("172.20.1.0/24", "cocoon-pods")], Subnetwork, [Range]));
    }

    [Fact]
    public void A_missing_or_changed_alias_is_one_line_each()
    {
        Assert.Equal(["alias range 172.20.1.0/24 missing on nic0"], AliasDrift.Find(Recorded, [GkePods], Subnetwork, [Range]));
        Assert.Equal(["alias range on nic0 is 172.20.2.0/24, pool.json records 172.20.1.0/24"],
            AliasDrift.Find(Recorded, [new AliasIpRange("172.20.2.0/24", "cocoon-pods")], Subnetwork, [Range]));
    }

    [Fact]
    public void A_secondary_range_gone_or_no_longer_covering_is_drift()
    {
        var alias = new AliasIpRange("172.20.1.0/24", "cocoon-pods");
        Assert.Equal(["secondary range cocoon-pods is gone from subnetwork default"], AliasDrift.Find(Recorded, [alias], Subnetwork, [new SecondaryRange("gke-pods", "10.8.0.0/14")]));
        Assert.Equal(["secondary range cocoon-pods of subnetwork default is 172.21.0.0/16, which does not cover 172.20.1.0/24"],
            AliasDrift.Find(Recorded, [alias], Subnetwork, [new SecondaryRange("cocoon-pods", "172.21.0.0/16")]));
    }
}
