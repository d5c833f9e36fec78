using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using CocoonNet.Gke.Tests.Support;
using CocoonNet.Tests.Support;

namespace CocoonNet.Gke.Tests.Integration;

/// <summary>
/// Cloud drift is noticed, not fought: the agent's cloud check finds the alias range init recorded gone
/// from nic0 (removed in the emulator) and reports it in status and /metrics without touching the cloud; with
/// <c>--repair-cloud</c> it provisions the range back.
/// </summary>
[Collection(GkeNamespaceCollection.Name)]
public sealed class GkeCloudDriftTests
{
    /// <summary>The emulator's instance (the GCE VM); the virtual node is vm-node.</summary>
    private const string Instance = "gke-node-1";
    private const string Missing = "alias range 172.20.1.0/24 missing on nic0";
    private static readonly string[] Init = ["init", "--node-name", "vm-node", "--subnet", "172.20.1.0/24", "--pool-size", "20"];

    [PrivilegedFact]
    public void A_removed_alias_range_is_reported_as_cloud_drift_and_put_back_only_with_repair_cloud()
    {
        using var sandbox = new Sandbox();
        using var gce = new GceEmulatorProcess(sandbox);
        var env = GceEmulatorProcess.Environment(sandbox);
        var init = sandbox.CocoonNet(Init, env);
        Assert.True(init.ExitCode == 0, init.ToString());
        Assert.Contains("cocoon-pods:172.20.1.0/24", gce.Aliases(Instance), StringComparison.Ordinal);

        // Someone removes the node's alias range in the cloud (every other alias of nic0 stays).
        RemoveOurAlias(gce);
        var mutations = gce.Mutations();

        var status = sandbox.CocoonNet(["status", "-o", "json"], env);
        Assert.True(status.ExitCode == 3, status.ToString());
        Assert.Equal(Missing, (string?)JsonNode.Parse(status.Stdout)!["cloud"]!["drift"]![0]);

        using (var agent = new AgentProcess(sandbox, ["--cloud-check", "1s"], env))
        {
            Assert.True(agent.WaitForReady(), agent.Output);
            JsonNode? lines = null;
            Assert.True(Eventually(() => (lines = AgentSection(sandbox, env)?["cloudDriftLines"]) is JsonArray { Count: > 0 }), agent.Output);
            Assert.Equal(Missing, (string?)lines![0]);
            Assert.True((bool)AgentSection(sandbox, env)!["cloudDrift"]!, agent.Output);
            Assert.Equal(1, Sample(Metrics(sandbox), "cocoon_net_drift{component=\"cloud\"}"));
            // Reported, not fought: the host still serves, and nothing in the cloud changed.
            Assert.Equal("ready", sandbox.InNamespace(sandbox.Node, "busybox", "wget", "-qO-", "http://127.0.0.1:9092/readyz").Trim());
            Assert.Contains("cloud drift: " + Missing, agent.Output, StringComparison.Ordinal);
            Assert.Equal(mutations, gce.Mutations());
            Assert.DoesNotContain("cocoon-pods:172.20.1.0/24", gce.Aliases(Instance), StringComparison.Ordinal);
        }

        using (var agent = new AgentProcess(sandbox, ["--cloud-check", "1s", "--repair-cloud"], env))
        {
            Assert.True(agent.WaitForReady(), agent.Output);
            Assert.True(Eventually(() => gce.Aliases(Instance).Contains("cocoon-pods:172.20.1.0/24", StringComparison.Ordinal)), agent.Output);
            Assert.True(gce.Mutations() > mutations, agent.Output);
            Assert.True(Eventually(() => AgentSection(sandbox, env)?["cloudDrift"] is JsonValue v && !(bool)v
                && Sample(Metrics(sandbox), "cocoon_net_drift{component=\"cloud\"}") == 0), agent.Output);
            Assert.True(Sample(Metrics(sandbox), "cocoon_net_repairs_total{object=\"cloud\"}") >= 1, agent.Output);
        }

        Assert.True(sandbox.CocoonNet(["status"], env).ExitCode == 0, sandbox.CocoonNet(["status"], env).ToString());
    }

    /// <summary>Writes nic0's alias list back without this node's cocoon-pods range, through the emulator's seeding hook.</summary>
    private static void RemoveOurAlias(GceEmulatorProcess gce)
    {
        var instance = gce.State().GetProperty("instances").EnumerateArray().Single(i => i.GetProperty("name").GetString() == Instance);
        var kept = instance.TryGetProperty("aliasIpRanges", out var aliases)
            ? aliases.EnumerateArray()
                .Select(a => (Cidr: a.GetProperty("ipCidrRange").GetString()!, Range: a.TryGetProperty("subnetworkRangeName", out var n) ? n.GetString() ?? "" : ""))
                .Where(a => a.Range != "cocoon-pods")
                .ToArray()
            : [];
        gce.SeedAliases(Instance, kept);
        Assert.DoesNotContain("cocoon-pods", gce.Aliases(Instance), StringComparison.Ordinal);
    }

    private static JsonNode? AgentSection(Sandbox sandbox, IDictionary<string, string> env) =>
        JsonNode.Parse(sandbox.CocoonNet(["status", "-o", "json"], env).Stdout)?["agent"];

    private static string Metrics(Sandbox sandbox) =>
        sandbox.InNamespace(sandbox.Node, "busybox", "wget", "-qO-", "http://127.0.0.1:9092/metrics");

    private static double? Sample(string text, string series) =>
        text.Split('\n').Where(l => l.StartsWith(series + " ", StringComparison.Ordinal))
            .Select(l => (double?)double.Parse(l[(series.Length + 1)..], CultureInfo.InvariantCulture))
            .FirstOrDefault();

    private static bool Eventually(Func<bool> condition)
    {
        for (var watch = Stopwatch.StartNew(); watch.Elapsed < TimeSpan.FromSeconds(30); Thread.Sleep(200))
        {
            if (condition())
            {
                return true;
            }
        }

        return false;
    }
}
