using CocoonNet.Abstractions;
using CocoonNet.Host.Agent;

namespace CocoonNet.Tests.Unit;

/// <summary>
/// Cloud drift is noticed, not fought: what the agent's cloud check makes of a provider's answer (contract
/// 2.2 <c>CloudStatus.Drift</c>/<c>Reachable</c>) and when <c>--repair-cloud</c> may provision.
/// </summary>
public sealed class CloudVerdictTests
{
    [Fact]
    public void A_status_with_drift_lines_is_drift_and_the_only_thing_repaired()
    {
        var verdict = CloudVerdict.Of(new CloudStatus { Drift = ["ENI eni-1 is detached", "ENI eni-2 lost 3 secondary IP(s) pool.json records"] });

        Assert.Equal(CloudCondition.Drifted, verdict.Condition);
        Assert.True(verdict.Drifted);
        Assert.True(verdict.NeedsRepair);
        Assert.Equal(2, verdict.Drift.Count);
        Assert.Equal("ENI eni-1 is detached; ENI eni-2 lost 3 secondary IP(s) pool.json records", verdict.Detail);
    }

    [Fact]
    public void A_status_of_a_plugin_built_before_2_2_has_no_drift_lines_and_counts_as_matching()
    {
        var verdict = CloudVerdict.Of(new CloudStatus { Fields = [new StatusField { Label = "Drift", Value = "eni-1 not attached" }] });

        Assert.Equal(CloudCondition.Matches, verdict.Condition);
        Assert.False(verdict.NeedsRepair);
    }

    [Fact]
    public void An_unreachable_cloud_is_neither_drift_nor_repaired_even_if_lines_came_with_it()
    {
        var verdict = CloudVerdict.Of(new CloudStatus { Reachable = false, Drift = ["stale"] });

        Assert.Equal(CloudCondition.Unreachable, verdict.Condition);
        Assert.False(verdict.Drifted);
        Assert.False(verdict.NeedsRepair);
        Assert.Empty(verdict.Drift);
        Assert.Equal(CloudVerdict.UnreachableReason, verdict.Detail);
    }

    [Fact]
    public void No_answer_or_a_thrown_error_is_unreachable_not_drift()
    {
        Assert.Equal(CloudCondition.Unreachable, CloudVerdict.Of(null).Condition);
        var thrown = CloudVerdict.Unreachable("compute.googleapis.com: no answer within 30 s");
        Assert.False(thrown.NeedsRepair);
        Assert.Equal("compute.googleapis.com: no answer within 30 s", thrown.Detail);
    }

    [Theory]
    [InlineData(1, 60, 60, true)]
    [InlineData(600, 60, 600, false)]
    [InlineData(60, 60, 60, false)]
    public void The_check_interval_is_raised_to_the_providers_minimum_only(int requested, int minimum, int expected, bool raised)
    {
        Assert.Equal((TimeSpan.FromSeconds(expected), raised), CloudVerdict.Interval(TimeSpan.FromSeconds(requested), TimeSpan.FromSeconds(minimum)));
    }
}
