using CocoonNet.Host.Agent;

namespace CocoonNet.Tests.Unit;

/// <summary>Which part of the one pipeline each kind of drift runs again.</summary>
public sealed class AgentTriggerTests
{
    [Theory]
    [InlineData(1, false, "routes")] // Routes
    [InlineData(4, false, "routes")] // ForeignLocalRoutes
    [InlineData(2, false, "bridge+routes")] // Bridge
    [InlineData(8, true, "")] // Nics
    [InlineData(9, true, "routes")] // Nics | Routes
    public void A_repair_runs_only_the_steps_its_drift_needs(int scope, bool prepare, string steps)
    {
        var trigger = AgentTrigger.Repair(new RepairBatch((RepairScope)scope, ["x"]));
        Assert.Equal("repair", trigger.Kind);
        Assert.Equal(prepare, trigger.Steps.PrepareHost);
        Assert.Equal(steps, string.Join('+', trigger.Steps.Steps!.Order(StringComparer.Ordinal)));
        Assert.Equal(["x"], trigger.Objects);
    }

    [Fact]
    public void A_full_resync_runs_everything_and_a_dhcp_exit_only_the_dhcp_step()
    {
        Assert.Null(AgentTrigger.Full().Steps.Steps);
        Assert.True(AgentTrigger.Full().Steps.PrepareHost);
        var dhcp = AgentTrigger.Dhcp().Steps;
        Assert.False(dhcp.PrepareHost);
        Assert.True(dhcp.Includes("dhcp"));
        Assert.False(dhcp.Includes("routes"));
    }
}
