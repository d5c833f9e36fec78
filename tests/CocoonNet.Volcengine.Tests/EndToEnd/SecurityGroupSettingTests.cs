using CocoonNet.Tests.Support;

namespace CocoonNet.Volcengine.Tests.EndToEnd;

/// <summary>
/// The plugin's <c>security-group-id</c> setting: as a flag or as the variable users set before settings
/// existed, it picks the group of new ENIs; it is recorded, so a re-run without it keeps the first choice.
/// </summary>
[Collection(VolcengineCollection.Name)]
public sealed class SecurityGroupSettingTests
{
    private const string Other = "sg-emu00000002";
    private static readonly string[] Init = ["init", "--platform", "volcengine", "--node-name", "vol1", "--subnet", "172.20.0.0/24"];

    [PrivilegedFact]
    public void The_variable_users_set_before_settings_existed_still_picks_the_group()
    {
        using var sandbox = new Sandbox();
        using var emulator = new VolcengineEmulator(sandbox);
        var before = emulator.Inventory();
        var environment = emulator.Environment();
        environment["COCOON_NET_VOLCENGINE_SECURITY_GROUP_ID"] = Other;

        var init = sandbox.CocoonNet([.. Init, "--pool-size", "40"], environment);
        Assert.True(init.ExitCode == 0, init.ToString());
        Assert.Equal([Other, Other], Groups(emulator));

        var teardown = sandbox.CocoonNet(["teardown"], emulator.Environment());
        Assert.True(teardown.ExitCode == 0, teardown.ToString());
        Assert.Equal(before, emulator.Inventory());
    }

    [PrivilegedFact]
    public void A_later_run_without_the_setting_keeps_the_recorded_group()
    {
        using var sandbox = new Sandbox();
        using var emulator = new VolcengineEmulator(sandbox);
        var before = emulator.Inventory();
        var environment = emulator.Environment();
        environment["COCOON_NET_VOLCENGINE_SECURITY_GROUP_ID"] = Other;

        var init = sandbox.CocoonNet([.. Init, "--pool-size", "20"], environment);
        Assert.True(init.ExitCode == 0, init.ToString());
        Assert.Equal([Other], Groups(emulator));

        // Grown without the variable: the new ENI gets the recorded group, not the primary ENI's.
        var grown = sandbox.CocoonNet([.. Init, "--pool-size", "40"], emulator.Environment());
        Assert.True(grown.ExitCode == 0, grown.ToString());
        Assert.Equal([Other, Other], Groups(emulator));

        var teardown = sandbox.CocoonNet(["teardown"], emulator.Environment());
        Assert.True(teardown.ExitCode == 0, teardown.ToString());
        Assert.Equal(before, emulator.Inventory());
    }

    [PrivilegedFact]
    public void The_flag_picks_the_group_of_new_enis()
    {
        using var sandbox = new Sandbox();
        using var emulator = new VolcengineEmulator(sandbox);

        var init = sandbox.CocoonNet([.. Init, "--pool-size", "20", "--security-group-id", Other], emulator.Environment());

        Assert.True(init.ExitCode == 0, init.ToString());
        Assert.Equal([Other], Groups(emulator));
        Assert.Equal(0, sandbox.CocoonNet(["teardown"], emulator.Environment()).ExitCode);
    }

    /// <summary>The security groups of the node's ENIs, in id order.</summary>
    private static List<string> Groups(VolcengineEmulator emulator) =>
        emulator.InventoryJson().GetProperty("Enis").EnumerateArray()
            .Where(e => e.GetProperty("Tags").EnumerateArray().Any(t => t.GetString() == "cocoon-net:node=vol1"))
            .Select(e => e.GetProperty("SecurityGroup").GetString()!)
            .ToList();
}
