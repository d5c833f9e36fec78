using CocoonNet.Host.Cli;
using CocoonNet.Host.Composition;

namespace CocoonNet.Tests.Unit;

/// <summary>Which plugins a command loads, from what pool.json records: none, the one it names, or every one.</summary>
public sealed class PluginSelectionTests : IDisposable
{
    private readonly string _state = Path.Combine(Path.GetTempPath(), $"cocoon-selection-{Guid.NewGuid():N}");

    public void Dispose()
    {
        if (Directory.Exists(_state))
        {
            Directory.Delete(_state, recursive: true);
        }
    }

    [Fact]
    public void A_node_without_pool_json_loads_every_plugin_to_set_up_and_none_to_report()
    {
        var node = NodeOnRecord.Read(_state);
        Assert.True(node.Known);
        Assert.Equal("all", Shown("init", node));
        Assert.Equal("all", Shown("adopt", node));
        Assert.Equal("all", Shown("agent", node));
        Assert.Equal("all", Shown("plugins", node));
        Assert.Equal("none", Shown("status", node));
        Assert.Equal("none", Shown("teardown", node));
        Assert.Equal("none", Shown("completion", node));
    }

    [Fact]
    public void A_provisioned_node_loads_only_the_plugin_pool_json_names()
    {
        var node = Recorded("pool-gke-init");
        Assert.Equal("gke", Shown("init", node));
        Assert.Equal("gke", Shown("adopt", node)); // refused by adopt itself: an init node
        Assert.Equal("gke", Shown("status", node));
        Assert.Equal("gke", Shown("teardown", node));
        Assert.Equal("gke", Shown("agent", node));
        Assert.Equal("all", Shown("agent", node, inCluster: true));
        Assert.Equal("all", Shown("plugins", node));
    }

    [Fact]
    public void An_adopted_nodes_status_loads_none_and_a_node_that_provisioned_nothing_is_a_fresh_one()
    {
        var node = Recorded("pool-adopt-minimal");
        Assert.Equal("none", Shown("status", node));
        Assert.Equal("none", Shown("teardown", node));
        Assert.Equal("all", Shown("adopt", node));
    }

    [Fact]
    public void A_pool_json_that_cannot_be_read_loads_every_plugin_and_leaves_the_report_to_the_command()
    {
        Directory.CreateDirectory(_state);
        File.WriteAllText(Path.Combine(_state, "pool.json"), "{ not json");
        var node = NodeOnRecord.Read(_state);
        Assert.False(node.Known);
        Assert.Equal("all", Shown("status", node));
        Assert.Equal("all", Shown("teardown", node));
        Assert.Equal("all", Shown("adopt", node));
    }

    private NodeOnRecord Recorded(string golden)
    {
        Directory.CreateDirectory(_state);
        File.Copy(Path.Combine(AppContext.BaseDirectory, "Unit", "Golden", golden + ".json"), Path.Combine(_state, "pool.json"));
        var node = NodeOnRecord.Read(_state);
        Assert.True(node.Known);
        return node;
    }

    private static string Shown(string command, NodeOnRecord node, bool inCluster = false)
    {
        var selection = PluginSelection.For(command, node, inCluster);
        return !selection.Any ? "none" : selection.Only ?? "all";
    }
}
