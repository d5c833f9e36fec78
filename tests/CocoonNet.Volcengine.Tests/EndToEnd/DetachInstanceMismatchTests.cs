using CocoonNet.Tests.Support;

namespace CocoonNet.Volcengine.Tests.EndToEnd;

/// <summary>
/// The first detach takes effect but its answer is lost (a 500), so the client
/// retries and the cloud answers InvalidEni.InstanceMismatch. teardown counts that as detached and finishes.
/// </summary>
[Collection(VolcengineCollection.Name)]
public sealed class DetachInstanceMismatchTests
{
    private static readonly string[] Init = ["init", "--platform", "volcengine", "--node-name", "vol1", "--subnet", "172.20.0.0/24"];

    [PrivilegedFact]
    public void A_retried_detach_that_meets_instance_mismatch_counts_as_detached()
    {
        using var sandbox = new Sandbox();
        using var emulator = new VolcengineEmulator(sandbox, "--instance-mismatch-on-detach", "true", "--fail-after", "DetachNetworkInterface:1");
        var before = emulator.Inventory();

        var init = sandbox.CocoonNet([.. Init, "--pool-size", "40"], emulator.Environment());
        Assert.True(init.ExitCode == 0, init.ToString());

        var teardown = sandbox.CocoonNet(["teardown"], emulator.Environment());
        Assert.True(teardown.ExitCode == 0, teardown.ToString());
        Assert.Contains("- delete subnet subnet-", teardown.Stdout);
        Assert.Equal(before, emulator.Inventory());
    }
}
