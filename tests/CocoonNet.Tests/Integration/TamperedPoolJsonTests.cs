using System.Diagnostics;
using CocoonNet.Tests.Support;

namespace CocoonNet.Tests.Integration;

/// <summary>
/// The product binary over a pool.json someone edited: every command that reads it stops at once with one line
/// naming the field, and nothing on the node changes (no route, no rule, no dnsmasq config, no rewritten file).
/// </summary>
[Collection(NamespaceCollection.Name)]
public sealed class TamperedPoolJsonTests
{
    private static readonly string[] Node = ["--node-name", "sandbox", "--subnet", "172.20.0.0/24", "--pool-size", "20", "--manage-iptables"];

    private static readonly string[][] Commands =
    [
        ["adopt", .. Node],
        ["agent", "--mode", "adopt", .. Node],
        ["agent"],
        ["status"],
        ["teardown"],
    ];

    /// <summary>The file's text as adopt wrote it, the tampered text, the field the error names.</summary>
    private static readonly (string From, string To, string Field)[] Tampering =
    [
        ("\"primaryNIC\": \"up0\"", "\"primaryNIC\": \"up0\\ndhcp-script=/tmp/x\"", "primaryNIC"),
        ("\"172.20.0.3\"", "\"8.8.8.8\"", "ips"),
        ("\"172.20.0.3\"", "\"172.20.0.1\"", "ips"),
        ("\"subnet\": \"172.20.0.0/24\"", "\"subnet\": \"127.0.0.0/8\"", "subnet"),
        ("\"gateway\": \"172.20.0.1\"", "\"gateway\": \"10.0.0.1\"", "gateway"),
        ("\"platform\": \"generic\"", "\"platform\": \"generic\\n\"", "platform"),
    ];

    [PrivilegedFact]
    public void Every_command_over_a_tampered_pool_json_fails_with_one_line_and_changes_nothing()
    {
        using var sandbox = new Sandbox();
        var baseline = NodeChecks.Baseline(sandbox);
        var adopt = sandbox.CocoonNet(Commands[0]);
        Assert.True(adopt.ExitCode == 0, adopt.ToString());
        var pool = Path.Combine(sandbox.StateDirectory, "pool.json");
        var good = File.ReadAllText(pool);
        try
        {
            foreach (var (from, to, field) in Tampering)
            {
                Assert.Contains(from, good);
                File.WriteAllText(pool, good.Replace(from, to, StringComparison.Ordinal));
                var before = Snapshot(sandbox);
                foreach (var command in Commands)
                {
                    var result = Run(sandbox, command);
                    var what = $"{field} / {string.Join(' ', command)}";
                    // The agent exits 2, which its unit does not restart (RestartPreventExitStatus): no retry loop.
                    Assert.True(result.ExitCode == (command[0] == "agent" ? 2 : 1), $"{what}: {result}");
                    var error = Assert.Single(result.Stderr.Split('\n'), l => l.StartsWith("Error: ", StringComparison.Ordinal));
                    Assert.StartsWith($"Error: {pool}: field \"{field}\" value ", error);
                    Assert.EndsWith("; fix or remove the file (a copy of the last good state is not kept)", error);
                    Assert.Equal(before, Snapshot(sandbox));
                }
            }
        }
        finally
        {
            File.WriteAllText(pool, good);
        }

        var teardown = sandbox.CocoonNet("teardown");
        Assert.True(teardown.ExitCode == 0, teardown.ToString());
        NodeChecks.AssertClean(sandbox, "after teardown", baseline);
    }

    [PrivilegedFact]
    public void Adopt_never_builds_a_node_over_a_tampered_pool_json_it_did_not_write()
    {
        using var sandbox = new Sandbox();
        var baseline = NodeChecks.Baseline(sandbox);
        Directory.CreateDirectory(sandbox.StateDirectory);
        var pool = Path.Combine(sandbox.StateDirectory, "pool.json");
        // A copied file: 400k addresses, the routes a /24 cannot hold.
        var ips = string.Join(",", Enumerable.Range(0, 400_000).Select(i => $"\"10.{(i >> 16) & 255}.{(i >> 8) & 255}.{i & 255}\""));
        File.WriteAllText(pool, $$"""
            {"platform": "generic", "nodeName": "sandbox", "subnet": "172.20.0.0/24", "gateway": "172.20.0.1",
             "ips": [{{ips}}], "mode": "adopt", "manageIptables": true}
            """);
        var clock = Stopwatch.StartNew();
        var result = sandbox.CocoonNet(Commands[0]);
        Assert.True(result.ExitCode == 1, result.ToString());
        Assert.StartsWith($"Error: {pool}: field \"ips\" holds 400000 addresses, more than the 253 the subnet 172.20.0.0/24 has for VMs",
            Assert.Single(result.Stderr.Split('\n'), l => l.StartsWith("Error: ", StringComparison.Ordinal)));
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(20), $"took {clock.Elapsed}");
        NodeChecks.AssertClean(sandbox, "adopt over a tampered file", [.. baseline, "/var/lib/cocoon/net/pool.json"]);
        Assert.False(File.Exists(sandbox.PathOf("/etc/dnsmasq-cni.d/cni0.conf")));
    }

    /// <summary>
    /// What a command could change on the node: links, routes of every table, rules, dnsmasq, files under the root
    /// (but the state lock, which teardown takes before it reads pool.json and which records only its holder).
    /// </summary>
    private static string Snapshot(Sandbox sandbox) => string.Join(
        "\n---\n",
        sandbox.InNamespace(sandbox.Node, "ip", "-o", "link", "show"),
        sandbox.InNamespace(sandbox.Node, "ip", "-4", "route", "show", "table", "all"),
        sandbox.IptablesSave(),
        $"dnsmasq {sandbox.DnsmasqPid()}",
        string.Join('\n', Directory.EnumerateFiles(sandbox.Root, "*", SearchOption.AllDirectories)
            .Where(f => Path.GetFileName(f) != ".lock").Order(StringComparer.Ordinal)
            .Select(f => $"{f} {File.GetLastWriteTimeUtc(f):O} {Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(f)))}")));

    /// <summary>Runs a command with a deadline: an agent that retried a bad file for ever would never return.</summary>
    private static CommandResult Run(Sandbox sandbox, string[] command)
    {
        var clock = Stopwatch.StartNew();
        var result = Shell.Run("ip", ["netns", "exec", sandbox.Node, TestEnvironment.Binary, .. command], new Dictionary<string, string>
        {
            ["COCOON_NET_ROOT"] = sandbox.Root,
            ["COCOON_NET_PLUGINS_DIR"] = sandbox.PluginsDirectory,
        }, TimeSpan.FromSeconds(30));
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(15), $"{string.Join(' ', command)} took {clock.Elapsed}");
        return result;
    }
}
