using CocoonNet.Abstractions;
using CocoonNet.Providers.Volcengine.Api;
using CocoonNet.Providers.Volcengine.Provisioning;

namespace CocoonNet.Volcengine.Tests.Unit;

/// <summary>Which ENI creates a run plans, and with which ClientTokens, given what exists and what was pending.</summary>
public sealed class PlanningTests
{
    [Fact]
    public void A_first_run_plans_new_slots_with_fresh_tokens()
    {
        var plan = NodeProvisioner.PlanCreates("n1", new ProvisionRecord(CloudResources.None), [], 3);
        Assert.Equal(["n1-eni-1", "n1-eni-2", "n1-eni-3"], plan.Keys.Order());
        Assert.Equal(3, plan.Values.Distinct().Count());
    }

    [Fact]
    public void Pending_tokens_of_a_crashed_run_are_reused_for_the_same_slots()
    {
        var record = new ProvisionRecord(CloudResources.None);
        record.SetPendingEnis(new Dictionary<string, string> { ["n1-eni-1"] = "t1", ["n1-eni-2"] = "t2" });
        var plan = NodeProvisioner.PlanCreates("n1", record, [], 2);
        Assert.Equal("t1", plan["n1-eni-1"]);
        Assert.Equal("t2", plan["n1-eni-2"]);
    }

    [Fact]
    public void A_pending_create_that_did_happen_is_not_repeated()
    {
        var record = new ProvisionRecord(CloudResources.None);
        record.SetPendingEnis(new Dictionary<string, string> { ["n1-eni-1"] = "t1", ["n1-eni-2"] = "t2" });
        NetworkInterface[] owned = [Eni("eni-a", "n1-eni-1", "t1")];
        var plan = NodeProvisioner.PlanCreates("n1", record, owned, 1);
        Assert.Equal(["n1-eni-2"], plan.Keys);
        Assert.Equal("t2", plan["n1-eni-2"]);
    }

    [Fact]
    public void New_slots_skip_names_in_use()
    {
        NetworkInterface[] owned = [Eni("eni-a", "n1-eni-1", "x"), Eni("eni-b", "n1-eni-3", "y")];
        var plan = NodeProvisioner.PlanCreates("n1", new ProvisionRecord(CloudResources.None), owned, 2);
        Assert.Equal(["n1-eni-2", "n1-eni-4"], plan.Keys.Order());
    }

    [Fact]
    public void Nothing_to_create_plans_nothing() =>
        Assert.Empty(NodeProvisioner.PlanCreates("n1", new ProvisionRecord(CloudResources.None), [], 0));

    [Fact]
    public void Instance_limits_cap_the_ips_per_eni()
    {
        Assert.Equal(20, new InstanceLimits(8, 50).SecondaryIpsPerEni(20));
        Assert.Equal(9, new InstanceLimits(4, 10).SecondaryIpsPerEni(20));
        Assert.Equal(20, InstanceLimits.Assumed.SecondaryIpsPerEni(20));
    }

    [Fact]
    public void Ownership_needs_both_the_managed_by_and_the_node_tag()
    {
        Assert.True(OwnershipTags.IsOwnedBy([new(OwnershipTags.ManagedByKey, "cocoon-net"), new(OwnershipTags.NodeKey, "n1")], "n1"));
        Assert.False(OwnershipTags.IsOwnedBy([new(OwnershipTags.ManagedByKey, "cocoon-net"), new(OwnershipTags.NodeKey, "n2")], "n1"));
        Assert.False(OwnershipTags.IsOwnedBy([new(OwnershipTags.NodeKey, "n1")], "n1"));
        Assert.False(OwnershipTags.IsOwnedBy(null, "n1"));
    }

    private static NetworkInterface Eni(string id, string name, string token) => new()
    {
        NetworkInterfaceId = id,
        NetworkInterfaceName = name,
        Tags = [new ResourceTag(OwnershipTags.ClientTokenKey, token)],
    };
}
