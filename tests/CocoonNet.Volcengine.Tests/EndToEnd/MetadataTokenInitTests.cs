using CocoonNet.Tests.Support;

namespace CocoonNet.Volcengine.Tests.EndToEnd;

/// <summary>
/// An instance whose metadata option <c>HttpTokens</c> is <c>required</c> (source:
/// volcengine/volcengine-go-sdk <c>volcengine/credentials/ecs_role_provider.go</c>): detection, init to the
/// instance's full capacity, and a re-run that changes nothing, all through token-carrying metadata reads.
/// </summary>
[Collection(VolcengineCollection.Name)]
public sealed class MetadataTokenInitTests
{
    // 8 ENIs × 21 addresses on the emulated instance: 7 secondary ENIs × 20 secondary IPs.
    private static readonly string[] Init = ["init", "--node-name", "vol1", "--subnet", "172.20.0.0/24", "--pool-size", "140"];

    [PrivilegedFact]
    public void A_token_required_node_is_detected_converges_and_a_rerun_makes_no_mutation()
    {
        using var sandbox = new Sandbox();
        using var emulator = new VolcengineEmulator(sandbox, "--metadata-tokens", "required");
        var before = emulator.Inventory();

        // No --platform: detection itself must get through the token-required metadata service.
        var init = sandbox.CocoonNet(Init, emulator.Environment());
        Assert.True(init.ExitCode == 0, init.ToString());
        Assert.Contains("cocoon-net init complete: 140 IPs provisioned on 172.20.0.0/24 (volcengine)", init.Stdout);
        Assert.Equal(7, emulator.Calls("CreateNetworkInterface"));

        var calls = emulator.Calls();
        var rerun = sandbox.CocoonNet([.. Init[..1], "--platform", "volcengine", .. Init[1..]], emulator.Environment());
        Assert.True(rerun.ExitCode == 0, rerun.ToString());
        Assert.StartsWith("no changes", rerun.Stdout);
        Assert.Equal(calls, emulator.Calls());

        var teardown = sandbox.CocoonNet(["teardown"], emulator.Environment());
        Assert.True(teardown.ExitCode == 0, teardown.ToString());
        Assert.Equal(before, emulator.Inventory());
    }
}
