using System.Text.Json;
using System.Text.Json.Nodes;
using CocoonNet.Host.Cli;
using CocoonNet.Host.Status;
using CocoonNet.Tests.Integration;
using CocoonNet.Tests.Support;
using CocoonNet.Tests.Validation;

namespace CocoonNet.Tests.Unit;

/// <summary>The typed status and plugins documents against the schemas in docs/, and the YAML form.</summary>
public sealed class StatusOutputTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), $"cocoon-status-{Guid.NewGuid():N}");

    public StatusOutputTests() => Directory.CreateDirectory(_root);

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private static StatusReport Healthy() => Report(
        new IpsSection(3, "10.0.0.2", "10.0.0.4"),
        new BridgeSection("cni0", true, true, true, "10.0.0.1/24"),
        new RoutesSection(3, 3),
        new IptablesSection(true, true, []),
        new DhcpSection(DhcpMode.Process, true, 4242, "/etc/dnsmasq-cni.d/cni0.conf", true, "/var/lib/misc/dnsmasq.leases", 2, "/var/log/cocoon-net/dnsmasq-cni.log"),
        new CniSection("/etc/cni/net.d/30-dnsmasq-dhcp.conflist", true),
        new CloudSection("volcengine", true, null, [new CloudField("ENIs", "2"), new CloudField("ENI IPs", "eni-1=3")], []),
        NodeMode.Init);

    private static StatusReport Report(
        IpsSection ips, BridgeSection bridge, RoutesSection routes, IptablesSection iptables, DhcpSection dhcp, CniSection cni, CloudSection? cloud, NodeMode mode)
    {
        var problems = StatusProblems.Find(ips, bridge, routes, iptables, dhcp, cni, cloud);
        return new StatusReport(
            StatusReport.CurrentSchemaVersion,
            problems.Count == 0,
            problems,
            new NodeSection("volcengine", "node-1", mode, "10.0.0.0/24", "10.0.0.1", "eth0", "volcengine", "0.1.0", "2026-11-29T07:00:00Z"),
            ips, bridge, routes, iptables, dhcp, cni, cloud,
            new StateSection("/var/lib/cocoon/net/pool.json"));
    }

    private static string Json(StatusReport report) => JsonSerializer.Serialize(report, StatusJsonContext.Readable.StatusReport);

    [Fact]
    public void A_healthy_init_report_has_typed_values_and_matches_the_schema()
    {
        var json = Json(Healthy());
        Schemas.AssertValid(Schemas.Status, json);
        var root = JsonNode.Parse(json)!;
        Assert.Equal(1, (int)root["schemaVersion"]!);
        Assert.True((bool)root["healthy"]!);
        Assert.Empty(root["problems"]!.AsArray());
        Assert.Equal("init", (string)root["node"]!["mode"]!);
        Assert.Equal(3, (int)root["routes"]!["present"]!);
        Assert.Equal(4242, (int)root["dhcp"]!["pid"]!);
        Assert.Equal("process", (string)root["dhcp"]!["mode"]!);
        Assert.Equal("ENI IPs", (string)root["cloud"]!["fields"]![1]!["label"]!);
    }

    [Fact]
    public void A_degraded_adopted_node_lists_each_problem_and_still_matches_the_schema()
    {
        var report = Report(
            new IpsSection(3, "10.0.0.2", "10.0.0.4"),
            new BridgeSection("cni0", true, false, true, "10.0.0.1/24"),
            new RoutesSection(2, 3),
            new IptablesSection(true, false, ["nat/COCOON-NET-POSTROUTING"]),
            new DhcpSection(DhcpMode.Systemd, false, null, "/etc/dnsmasq-cni.d/cni0.conf", true, "/var/lib/misc/dnsmasq.leases", 0, null),
            new CniSection("/etc/cni/net.d/30-dnsmasq-dhcp.conflist", false),
            null,
            NodeMode.Adopt);
        var json = Json(report);
        Schemas.AssertValid(Schemas.Status, json);
        Assert.False(report.Healthy);
        Assert.Equal(
        [
            "bridge cni0 is down",
            "1 of 3 pool addresses have no route via cni0",
            "iptables: missing or unhooked chain nat/COCOON-NET-POSTROUTING",
            "dnsmasq-cni is not running (systemd mode)",
            "CNI conflist /etc/cni/net.d/30-dnsmasq-dhcp.conflist is missing",
        ], report.Problems);
        var root = JsonNode.Parse(json)!;
        Assert.Null(root["cloud"]);
        Assert.Null(root["dhcp"]!["pid"]);
        Assert.Null(root["dhcp"]!["logFile"]);
        Assert.Equal("adopt", (string)root["node"]!["mode"]!);
    }

    [Fact]
    public void A_provider_that_cannot_answer_makes_the_node_degraded()
    {
        var healthy = Healthy();
        var cloud = new CloudSection("gke", false, "metadata server unreachable", [], []);
        var problems = StatusProblems.Find(healthy.Ips, healthy.Bridge, healthy.Routes, healthy.Iptables, healthy.Dhcp, healthy.Cni, cloud);
        Assert.Equal(["cloud status unavailable: metadata server unreachable"], problems);
    }

    [Fact]
    public void Cloud_drift_lines_are_problems_in_text_and_json_and_the_agent_shows_its_own()
    {
        var healthy = Healthy();
        var cloud = healthy.Cloud! with { Drift = ["ENI eni-1 is detached"] };
        var problems = StatusProblems.Find(healthy.Ips, healthy.Bridge, healthy.Routes, healthy.Iptables, healthy.Dhcp, healthy.Cni, cloud);
        var report = healthy with
        {
            Healthy = false,
            Problems = problems,
            Cloud = cloud,
            Agent = new AgentSection(77, "2026-11-29T07:00:00Z", "serve", false, null, 0, 0, true, ["alias range 10.0.0.0/24 missing on nic0"], true,
                [new AgentHeldSection("route 172.20.0.2/32", "2026-11-29T07:05:00Z")]),
        };

        Assert.Equal(["cloud drift: ENI eni-1 is detached (re-run init, or run the agent with --repair-cloud)"], problems);
        var json = Json(report);
        Schemas.AssertValid(Schemas.Status, json);
        var root = JsonNode.Parse(json)!;
        Assert.Equal("ENI eni-1 is detached", (string)root["cloud"]!["drift"]![0]!);
        Assert.Equal("alias range 10.0.0.0/24 missing on nic0", (string)root["agent"]!["cloudDriftLines"]![0]!);
        var text = StatusTextRenderer.Lines(report).ToList();
        Assert.Contains(text, l => l.StartsWith("Agent:", StringComparison.Ordinal) && l.EndsWith(", cloud drift: alias range 10.0.0.0/24 missing on nic0", StringComparison.Ordinal));
        Assert.Contains("Problem:    cloud drift: ENI eni-1 is detached (re-run init, or run the agent with --repair-cloud)", text);
        Assert.Equal("route 172.20.0.2/32", (string)root["agent"]!["held"]![0]!["object"]!);
        Assert.Contains(text, l => l.StartsWith("Held:       route 172.20.0.2/32: ", StringComparison.Ordinal) && l.EndsWith("until 2026-11-29T07:05:00Z", StringComparison.Ordinal));
        Assert.Contains(StatusTextRenderer.Lines(report with { Agent = report.Agent! with { CloudDrift = false, CloudDriftLines = [], CloudReachable = false } }),
            l => l.EndsWith(", cloud unreachable", StringComparison.Ordinal));
    }

    [Fact]
    public void The_schema_rejects_human_strings_where_it_promises_numbers_and_unknown_keys()
    {
        var root = JsonNode.Parse(Json(Healthy()))!;
        root["routes"]!["present"] = "253/253";
        Schemas.AssertInvalid(Schemas.Status, root.ToJsonString());

        root = JsonNode.Parse(Json(Healthy()))!;
        root["dHCP"] = "running (process, pid 1)";
        Schemas.AssertInvalid(Schemas.Status, root.ToJsonString());
    }

    [Fact]
    public void Yaml_is_the_json_document_read_back_by_a_real_parser()
    {
        var report = Healthy() with { Problems = ["quote \" colon: hash # and 'apostrophe'", "- dash", "ünïcode"] };
        var json = Json(report);
        using var document = JsonDocument.Parse(json);
        var yaml = YamlWriter.Write(document.RootElement);
        Assert.StartsWith("schemaVersion: 1\nhealthy: true\nproblems:\n  - \"quote", yaml);
        Assert.Contains("\"ünïcode\"", yaml);
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(json), Schemas.YamlToJson(yaml)), yaml);
    }

    [Fact]
    public void Empty_lists_and_nulls_survive_the_yaml_form()
    {
        var json = Json(Report(
            new IpsSection(0, null, null),
            new BridgeSection("cni0", false, false, false, "10.0.0.1/24"),
            new RoutesSection(0, 0),
            new IptablesSection(false, null, []),
            new DhcpSection(null, false, null, "/c", false, "/l", 0, "/log"),
            new CniSection("/x", false),
            null,
            NodeMode.Adopt));
        Schemas.AssertValid(Schemas.Status, json);
        using var document = JsonDocument.Parse(json);
        var yaml = YamlWriter.Write(document.RootElement);
        Assert.Contains("missingChains: []\n", yaml);
        Assert.Contains("cloud: null\n", yaml);
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(json), Schemas.YamlToJson(yaml)), yaml);
    }

    [BuildFact]
    public void Plugins_json_lists_loaded_and_skipped_plugins_and_matches_the_schema()
    {
        var directory = PluginFolders.Create(_root, "adopt", "acme-contract-newer");
        Directory.CreateDirectory(Path.Combine(directory, "empty"));
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var exit = new CliApplication(stdout, stderr)
            .RunAsync(["plugins", "-o", "json", "--plugins-dir", directory], CancellationToken.None).GetAwaiter().GetResult();
        Assert.True(exit == 0, stderr.ToString());
        Schemas.AssertValid(Schemas.Plugins, stdout.ToString());

        var root = JsonNode.Parse(stdout.ToString())!;
        Assert.Equal(2, (int)root["schemaVersion"]!);
        var plugins = root["plugins"]!.AsArray().ToDictionary(p => (string)p!["name"]!);
        Assert.Equal("loaded", (string)plugins["adopt"]!["status"]!);
        Assert.Equal("generic", (string)plugins["adopt"]!["platform"]!);
        Assert.Equal(ContractVersions.Current, (string)plugins["adopt"]!["contract"]!);
        Assert.Null(plugins["adopt"]!["error"]);
        Assert.Equal("skipped", (string)plugins["empty"]!["status"]!);
        Assert.Null(plugins["empty"]!["contract"]);
        Assert.StartsWith("no plugin assembly", (string)plugins["empty"]!["error"]!);
        Assert.Contains(plugins.Values, p => (string)p!["status"]! == "skipped" && (string)p["contract"]! == ContractVersions.Next
            && ((string)p["error"]!).StartsWith($"built for contract {ContractVersions.Next}; this cocoon-net supports up to {ContractVersions.Current}", StringComparison.Ordinal));

        var yaml = new StringWriter();
        Assert.Equal(0, new CliApplication(yaml, stderr)
            .RunAsync(["plugins", "-o", "yaml", "--plugins-dir", directory], CancellationToken.None).GetAwaiter().GetResult());
        Assert.True(JsonNode.DeepEquals(root, Schemas.YamlToJson(yaml.ToString())), yaml.ToString());
    }
}
