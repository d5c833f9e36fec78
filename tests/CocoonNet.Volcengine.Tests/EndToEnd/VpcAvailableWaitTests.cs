using System.Diagnostics;
using System.Text.Json;
using CocoonNet.Tests.Support;

namespace CocoonNet.Volcengine.Tests.EndToEnd;

/// <summary>
/// After CreateSubnet, init waits (DescribeVpcs) for the VPC to be Available before it creates
/// ENIs, as terraform-provider-volcengine does, so no ENI call meets the busy VPC (InvalidVpc.InvalidStatus).
/// </summary>
[Collection(VolcengineCollection.Name)]
public sealed class VpcAvailableWaitTests
{
    private static readonly string[] Init = ["init", "--platform", "volcengine", "--node-name", "vol1", "--subnet", "172.20.0.0/24"];

    [PrivilegedFact]
    public void Init_creates_enis_only_once_the_vpc_is_available_again()
    {
        using var sandbox = new Sandbox();
        using var emulator = new VolcengineEmulator(sandbox, "--vpc-busy-ms", "3000");
        var before = emulator.Inventory();

        var init = sandbox.CocoonNet([.. Init, "--pool-size", "40"], emulator.Environment());
        Assert.True(init.ExitCode == 0, init.ToString());
        Assert.Equal(2, emulator.Calls("CreateNetworkInterface"));
        var rejections = JsonSerializer.Deserialize<Dictionary<string, int>>(emulator.Get("_emulator/rejections"))!;
        Assert.DoesNotContain(rejections, r => r.Key.EndsWith(" InvalidVpc.InvalidStatus", StringComparison.Ordinal));

        var teardown = sandbox.CocoonNet(["teardown"], emulator.Environment());
        Assert.True(teardown.ExitCode == 0, teardown.ToString());
        Assert.Equal(before, emulator.Inventory());
    }

    [PrivilegedFact]
    public void A_rerun_after_a_crash_right_after_CreateSubnet_waits_for_the_vpc_too() =>
        // The subnet is still Pending when the re-run finds it, and the VPC busy for longer.
        CrashAfterCreateSubnetThenRerun(vpcBusyMs: 8000, subnetCreateMs: 4000, rerunOnceSettled: false);

    [PrivilegedFact]
    public void A_rerun_that_finds_the_subnet_settled_but_the_vpc_still_busy_waits_for_the_vpc() =>
        // The subnet settles in 1 s, the VPC stays busy for 10 s: the re-run starts in between.
        CrashAfterCreateSubnetThenRerun(vpcBusyMs: 10000, subnetCreateMs: 1000, rerunOnceSettled: true);

    /// <summary>
    /// Init killed right after CreateSubnet (checkpoint 1 records the subnet's ClientToken, checkpoint 2 the id it
    /// returned), then re-run: it must meet no busy VPC, create the ENIs once, and teardown must restore the cloud.
    /// </summary>
    private static void CrashAfterCreateSubnetThenRerun(int vpcBusyMs, int subnetCreateMs, bool rerunOnceSettled)
    {
        using var sandbox = new Sandbox();
        using var emulator = new VolcengineEmulator(sandbox, "--vpc-busy-ms", $"{vpcBusyMs}", "--subnet-create-ms", $"{subnetCreateMs}");
        var env = emulator.Environment();
        var before = emulator.Inventory();

        var crashed = sandbox.CocoonNet([.. Init, "--pool-size", "40"], NodeChecks.CrashAt("cloud-checkpoint/2/after", env));
        Assert.True(crashed.ExitCode == NodeChecks.Killed, crashed.ToString());
        if (!rerunOnceSettled)
        {
            Assert.Contains("\"Pending\"", emulator.Inventory(), StringComparison.Ordinal);
        }

        var settled = Stopwatch.StartNew();
        while (rerunOnceSettled && emulator.Inventory().Contains("\"Pending\"", StringComparison.Ordinal))
        {
            Assert.True(settled.Elapsed < TimeSpan.FromSeconds(8), "the subnet did not settle: " + emulator.Inventory());
            Thread.Sleep(100);
        }

        var rerun = sandbox.CocoonNet([.. Init, "--pool-size", "40"], env);
        Assert.True(rerun.ExitCode == 0, rerun.ToString());
        Assert.Equal(1, emulator.Calls("CreateSubnet"));
        Assert.Equal(2, emulator.Calls("CreateNetworkInterface"));
        var rejections = JsonSerializer.Deserialize<Dictionary<string, int>>(emulator.Get("_emulator/rejections"))!;
        Assert.DoesNotContain(rejections, r => r.Key.EndsWith(" InvalidVpc.InvalidStatus", StringComparison.Ordinal));

        var teardown = sandbox.CocoonNet(["teardown"], env);
        Assert.True(teardown.ExitCode == 0, teardown.ToString());
        Assert.Equal(before, emulator.Inventory());
    }
}
