using CocoonNet.Tests.Support;

namespace CocoonNet.Volcengine.Tests.EndToEnd;

/// <summary>
/// Right after its ENIs are deleted, DeleteSubnet fails for a while (the emulator's
/// subnet-dependency window). teardown keeps retrying within its deadline, says so, and leaves nothing of ours.
/// </summary>
[Collection(VolcengineCollection.Name)]
public sealed class SubnetDependencyWindowTests
{
    private static readonly string[] Init = ["init", "--platform", "volcengine", "--node-name", "vol1", "--subnet", "172.20.0.0/24"];

    [PrivilegedFact]
    public void Teardown_waits_out_the_window_and_leaves_nothing_of_ours()
    {
        using var sandbox = new Sandbox();
        using var emulator = new VolcengineEmulator(sandbox, "--subnet-dependency-ms", "6000");
        var before = emulator.Inventory();

        var init = sandbox.CocoonNet([.. Init, "--pool-size", "40"], emulator.Environment());
        Assert.True(init.ExitCode == 0, init.ToString());

        var teardown = sandbox.CocoonNet(["teardown"], emulator.Environment());
        Assert.True(teardown.ExitCode == 0, teardown.ToString());
        Assert.Contains("- delete subnet subnet-", teardown.Stdout);
        // The progress line shows DeleteSubnet was refused and retried (5 s into the 6 s window).
        Assert.Contains("let go of its deleted ENIs", teardown.ToString());
        Assert.Equal(1, emulator.Calls("DeleteSubnet"));
        Assert.Equal(before, emulator.Inventory());
    }
}
