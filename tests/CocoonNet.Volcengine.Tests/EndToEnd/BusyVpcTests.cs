using CocoonNet.Tests.Support;

namespace CocoonNet.Volcengine.Tests.EndToEnd;

/// <summary>
/// Right after CreateSubnet the VPC is busy and CreateNetworkInterface answers
/// InvalidVpc.InvalidStatus (the emulator's busy window). init retries through it instead of failing.
/// </summary>
[Collection(VolcengineCollection.Name)]
public sealed class BusyVpcTests
{
    private static readonly string[] Init = ["init", "--platform", "volcengine", "--node-name", "vol1", "--subnet", "172.20.0.0/24"];

    [PrivilegedFact]
    public void Init_waits_out_the_busy_vpc_after_creating_the_subnet()
    {
        using var sandbox = new Sandbox();
        using var emulator = new VolcengineEmulator(sandbox, "--vpc-busy-ms", "2000");
        var before = emulator.Inventory();

        var init = sandbox.CocoonNet([.. Init, "--pool-size", "40"], emulator.Environment());
        Assert.True(init.ExitCode == 0, init.ToString());
        Assert.Equal(2, emulator.Calls("CreateNetworkInterface"));

        var teardown = sandbox.CocoonNet(["teardown"], emulator.Environment());
        Assert.True(teardown.ExitCode == 0, teardown.ToString());
        Assert.Equal(before, emulator.Inventory());
    }
}
