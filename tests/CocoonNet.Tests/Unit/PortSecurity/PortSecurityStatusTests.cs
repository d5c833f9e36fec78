using CocoonNet.Host.Status;

namespace CocoonNet.Tests.Unit.PortSecurity;

/// <summary>What status says of anti-spoofing: one problem line when the table is missing, changed or out of step.</summary>
public sealed class PortSecurityStatusTests
{
    private static readonly PortSecuritySection Healthy = new(true, true, true, 2, 1, 0, 0, null);

    [Fact]
    public void A_table_in_step_or_anti_spoofing_off_is_no_problem()
    {
        Assert.Empty(StatusProblems.PortSecurity(Healthy));
        Assert.Empty(StatusProblems.PortSecurity(Healthy with { Enabled = false, Present = false }));
        Assert.Empty(StatusProblems.PortSecurity(null));
    }

    [Fact]
    public void Missing_changed_out_of_step_and_unreadable_are_each_one_line()
    {
        Assert.Equal(
            ["anti-spoofing: nftables table bridge cocoon is missing (VMs may send from any address): re-run init or adopt, or start the agent"],
            StatusProblems.PortSecurity(Healthy with { Present = false }));
        Assert.Equal(
            ["anti-spoofing: nftables table bridge cocoon is not as cocoon-net makes it (chain, rules or sets changed)"],
            StatusProblems.PortSecurity(Healthy with { ChainIntact = false }));
        Assert.Equal(
            ["anti-spoofing: 2 leases out of step between the DHCP leases and the table's set: the agent keeps them in step (is it running? a node without one needs --anti-spoofing=false)"],
            StatusProblems.PortSecurity(Healthy with { LeasesOutOfStep = 2 }));
        Assert.Equal(
            ["anti-spoofing could not be checked: nft (package nftables) cannot be run"],
            StatusProblems.PortSecurity(Healthy with { Present = null, Error = "nft (package nftables) cannot be run" }));
    }
}
