using System.Text.Json;
using System.Text.Json.Nodes;
using CocoonNet.Tests.Support;

namespace CocoonNet.Volcengine.Tests.EndToEnd;

/// <summary>
/// Cloud drift is noticed, not fought (contract 2.2 <c>CloudStatus.Drift</c>): an ENI detached behind the
/// node's back is drift in the plugin's live status, the call the agent's cloud check makes, and status lists it.
/// </summary>
[Collection(VolcengineCollection.Name)]
public sealed class VolcengineCloudDriftTests
{
    private static readonly string[] Init = ["init", "--platform", "volcengine", "--node-name", "vol1", "--subnet", "172.20.0.0/24", "--pool-size", "40"];

    [PrivilegedFact]
    public void An_eni_detached_in_the_cloud_is_reported_as_cloud_drift_with_no_cloud_change()
    {
        using var sandbox = new Sandbox();
        using var emulator = new VolcengineEmulator(sandbox);
        var init = sandbox.CocoonNet(Init, emulator.Environment());
        Assert.True(init.ExitCode == 0, init.ToString());
        var healthy = sandbox.CocoonNet(["status", "-o", "json"], emulator.Environment());
        Assert.True(healthy.ExitCode == 0, healthy.ToString());
        Assert.Empty(JsonNode.Parse(healthy.Stdout)!["cloud"]!["drift"]!.AsArray());

        var eni = JsonDocument.Parse(File.ReadAllText(Path.Combine(sandbox.StateDirectory, "pool.json"))).RootElement
            .GetProperty("eniIDs").EnumerateArray().First().GetString()!;
        emulator.DetachBehindTheNode(eni);
        var calls = emulator.Calls();

        var status = sandbox.CocoonNet(["status", "-o", "json"], emulator.Environment());
        Assert.True(status.ExitCode == 3, status.ToString());
        var cloud = JsonNode.Parse(status.Stdout)!["cloud"]!;
        Assert.True((bool)cloud["available"]!, status.Stdout);
        Assert.Equal([$"ENI {eni} is detached"], cloud["drift"]!.AsArray().Select(l => (string)l!).ToList());
        Assert.Contains($"cloud drift: ENI {eni} is detached", status.Stdout, StringComparison.Ordinal);
        // Read-only: only Describe calls since the detach.
        Assert.All(emulator.Calls().Where(c => c.Value != calls.GetValueOrDefault(c.Key)), c => Assert.StartsWith("Describe", c.Key, StringComparison.Ordinal));
    }
}
