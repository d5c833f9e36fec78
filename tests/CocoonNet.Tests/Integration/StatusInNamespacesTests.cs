using System.Text.Json.Nodes;
using CocoonNet.Tests.Support;
using CocoonNet.Tests.Validation;

namespace CocoonNet.Tests.Integration;

/// <summary>
/// status as a monitor sees it, on a real adopted node: the JSON validated against docs/status.schema.json,
/// the exit code as a health check, and dnsmasq's own log file.
/// </summary>
[Collection(NamespaceCollection.Name)]
public sealed class StatusInNamespacesTests
{
    private static readonly string[] Adopt = ["adopt", "--node-name", "sandbox", "--subnet", "172.20.0.0/24", "--manage-iptables"];

    private static JsonNode Status(Sandbox sandbox, int expectedExit, string format = "json")
    {
        var result = sandbox.CocoonNet("status", "-o", format);
        Assert.True(result.ExitCode == expectedExit, result.ToString());
        var json = format == "yaml" ? Schemas.YamlToJson(result.Stdout)!.ToJsonString() : result.Stdout;
        Schemas.AssertValid(Schemas.Status, json);
        return JsonNode.Parse(json)!;
    }

    [PrivilegedFact]
    public void A_healthy_node_exits_0_with_typed_values_that_match_the_schema_in_json_and_yaml()
    {
        using var sandbox = new Sandbox();
        Assert.Equal(0, sandbox.CocoonNet(Adopt).ExitCode);

        var status = Status(sandbox, 0);
        Assert.True((bool)status["healthy"]!, status.ToJsonString());
        Assert.Empty(status["problems"]!.AsArray());
        Assert.Equal("adopt", (string)status["node"]!["mode"]!);
        Assert.Equal("generic", (string)status["node"]!["platform"]!);
        Assert.Equal(253, (int)status["ips"]!["count"]!);
        Assert.Equal("172.20.0.2", (string)status["ips"]!["first"]!);
        Assert.Equal("172.20.0.254", (string)status["ips"]!["last"]!);
        Assert.True((bool)status["bridge"]!["up"]!);
        Assert.True((bool)status["bridge"]!["addressPresent"]!);
        Assert.Equal(253, (int)status["routes"]!["present"]!);
        Assert.Equal(253, (int)status["routes"]!["expected"]!);
        Assert.True((bool)status["iptables"]!["managed"]!);
        Assert.True((bool)status["iptables"]!["present"]!);
        Assert.Equal("process", (string)status["dhcp"]!["mode"]!);
        Assert.Equal(sandbox.DnsmasqPid(), (int)status["dhcp"]!["pid"]!);
        Assert.Equal(sandbox.PathOf("/var/log/cocoon-net/dnsmasq-cni.log"), (string)status["dhcp"]!["logFile"]!);
        Assert.True((bool)status["cni"]!["present"]!);
        Assert.Null(status["cloud"]);

        var yaml = Status(sandbox, 0, "yaml");
        Assert.True(JsonNode.DeepEquals(status, yaml), $"{status}\n{yaml}");

        var text = sandbox.CocoonNet("status");
        Assert.Equal(0, text.ExitCode);
        Assert.Contains("Health:     ok\n", text.Stdout);
        Assert.DoesNotContain("Problem:", text.Stdout);
    }

    [PrivilegedFact]
    public void A_degraded_node_exits_3_and_lists_what_is_missing()
    {
        using var sandbox = new Sandbox();
        Assert.Equal(0, sandbox.CocoonNet(Adopt).ExitCode);
        sandbox.InNamespace(sandbox.Node, "ip", "route", "del", "172.20.0.10/32", "dev", "cni0");
        sandbox.InNamespace(sandbox.Node, "iptables", "-t", "nat", "-D", "POSTROUTING", "-j", "COCOON-NET-POSTROUTING");
        var pid = sandbox.DnsmasqPid();
        Assert.NotNull(pid);
        using (var dnsmasq = System.Diagnostics.Process.GetProcessById(pid.Value))
        {
            dnsmasq.Kill();
            Assert.True(dnsmasq.WaitForExit(5000), "dnsmasq did not exit");
        }

        var status = Status(sandbox, 3);
        Assert.False((bool)status["healthy"]!);
        Assert.Equal(252, (int)status["routes"]!["present"]!);
        Assert.False((bool)status["iptables"]!["present"]!);
        Assert.Equal(["nat/COCOON-NET-POSTROUTING"], status["iptables"]!["missingChains"]!.AsArray().Select(c => (string)c!));
        Assert.False((bool)status["dhcp"]!["running"]!);
        Assert.Null(status["dhcp"]!["pid"]);
        Assert.Equal(
        [
            "1 of 253 pool addresses have no route via cni0",
            "iptables: missing or unhooked chain nat/COCOON-NET-POSTROUTING",
            "dnsmasq-cni is not running (process mode)",
        ], status["problems"]!.AsArray().Select(p => (string)p!));

        // The health check: text output, exit code only.
        var text = sandbox.CocoonNet("status");
        Assert.Equal(3, text.ExitCode);
        Assert.Contains("Routes:     252/253\n", text.Stdout);
        Assert.Contains("Health:     degraded\n", text.Stdout);
        Assert.Contains("Problem:    dnsmasq-cni is not running (process mode)\n", text.Stdout);

        // A re-run repairs it all, and status says so.
        Assert.Equal(0, sandbox.CocoonNet(Adopt).ExitCode);
        Assert.True((bool)Status(sandbox, 0)["healthy"]!);
    }

    [PrivilegedFact]
    public void Without_pool_state_status_exits_4()
    {
        using var sandbox = new Sandbox();
        var result = sandbox.CocoonNet("status", "-o", "json");
        Assert.Equal(4, result.ExitCode);
        Assert.Empty(result.Stdout);
        Assert.Contains("Error: no pool state at ", result.Stderr);
    }

    [PrivilegedFact]
    public void Dnsmasq_logs_a_vms_dhcp_exchange_to_its_own_file_and_status_counts_the_lease()
    {
        using var sandbox = new Sandbox();
        // No agent runs here: dnsmasq's new leases would wait for one (anti-spoofing's lease set is the agent's to keep).
        Assert.Equal(0, sandbox.CocoonNet([.. Adopt, "--anti-spoofing=false"]).ExitCode);
        var log = sandbox.PathOf("/var/log/cocoon-net/dnsmasq-cni.log");
        Assert.Equal((UnixFileMode)0b111_101_000, File.GetUnixFileMode(Path.GetDirectoryName(log)!));

        var vm = sandbox.AddVm();
        var address = sandbox.Dhcp(vm);
        Assert.NotNull(address);

        // dnsmasq writes its log asynchronously: give it a moment.
        var text = "";
        for (var i = 0; i < 50 && !text.Contains($"DHCPACK(cni0) {address}", StringComparison.Ordinal); i++)
        {
            Thread.Sleep(100);
            text = File.Exists(log) ? File.ReadAllText(log) : "";
        }

        Assert.Contains($"DHCPACK(cni0) {address}", text);
        Assert.Equal(1, (int)Status(sandbox, 0)["dhcp"]!["activeLeases"]!);
    }
}
