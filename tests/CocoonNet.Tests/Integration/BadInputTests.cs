using System.Text.RegularExpressions;
using CocoonNet.Tests.Support;

namespace CocoonNet.Tests.Integration;

/// <summary>
/// The README's promise, case by case against the built binary in a sandbox node: malformed input exits 2
/// with exactly one <c>Error:</c> line in cocoon-net's words, and nothing on the node has changed.
/// </summary>
[Collection(NamespaceCollection.Name)]
public sealed partial class BadInputTests : IClassFixture<BadInputTests.Node>
{
    private const string Subnet = "172.20.0.0/24";
    private static readonly string[] Adopt = ["adopt", "--node-name", "sandbox", "--subnet", Subnet];
    private static readonly string[] Gke = ["init", "--platform", "gke", "--node-name", "sandbox"];
    private static readonly Dictionary<string, string> NoEnvironment = [];

    private readonly Node _node;

    public BadInputTests(Node node) => _node = node;

    /// <summary>Case name → arguments, extra environment, run as an unprivileged user, expected words in the error.</summary>
    public static TheoryData<string, string[], Dictionary<string, string>, bool, string> Cases() => new()
    {
        { "typo in a command", ["inti"], NoEnvironment, false, "did you mean 'init'" },
        { "typo in a flag", ["adopt", "--node-name", "sandbox", "--subent", Subnet], NoEnvironment, false, "did you mean --subnet" },
        { "unknown flag", [.. Adopt, "--frobnicate"], NoEnvironment, false, "unknown option --frobnicate" },
        { "stray argument", [.. Adopt, "extra"], NoEnvironment, false, "unexpected argument 'extra'" },
        { "no command", [], NoEnvironment, false, "a command is required" },
        { "missing --subnet", ["adopt", "--node-name", "sandbox"], NoEnvironment, false, "--subnet is required" },
        { "missing --node-name", ["adopt", "--subnet", Subnet], NoEnvironment, false, "--node-name is required" },
        { "flag without its value", [.. Adopt, "--pool-size"], NoEnvironment, false, "--pool-size needs a value" },
        { "subnet with host bits", ["adopt", "--node-name", "sandbox", "--subnet", "172.20.0.1/24"], NoEnvironment, false, "did you mean 172.20.0.0/24" },
        { "IPv6 subnet", ["adopt", "--node-name", "sandbox", "--subnet", "fd00::/64"], NoEnvironment, false, "only IPv4" },
        { "garbage subnet", ["adopt", "--node-name", "sandbox", "--subnet", "banana"], NoEnvironment, false, "not an IPv4 CIDR" },
        { "subnet prefix over 32", ["adopt", "--node-name", "sandbox", "--subnet", "172.20.0.0/33"], NoEnvironment, false, "not an IPv4 CIDR" },
        { "subnet too small", ["adopt", "--node-name", "sandbox", "--subnet", "172.20.0.0/31"], NoEnvironment, false, "too small" },
        { "gateway outside the subnet", [.. Adopt, "--gateway", "172.21.0.1"], NoEnvironment, false, "outside --subnet" },
        { "gateway garbage", [.. Adopt, "--gateway", "gw"], NoEnvironment, false, "not an IPv4 address" },
        { "gateway on the network address", [.. Adopt, "--gateway", "172.20.0.0"], NoEnvironment, false, "network address" },
        { "gateway on the broadcast address", [.. Adopt, "--gateway", "172.20.0.255"], NoEnvironment, false, "broadcast address" },
        { "gateway with a leading zero", [.. Adopt, "--gateway", "172.20.0.010"], NoEnvironment, false, "not an IPv4 address" },
        { "dns garbage", [.. Adopt, "--dns", "8.8.8.8,banana"], NoEnvironment, false, "--dns entry \"banana\"" },
        { "dns short address", [.. Adopt, "--dns", "8.8.8"], NoEnvironment, false, "--dns entry" },
        { "pool size zero", [.. Adopt, "--pool-size", "0"], NoEnvironment, false, "at least 1" },
        { "pool size negative", [.. Adopt, "--pool-size", "-5"], NoEnvironment, false, "at least 1" },
        { "pool size too large for the subnet", [.. Adopt, "--pool-size", "254"], NoEnvironment, false, "does not fit" },
        { "pool size not a number", [.. Adopt, "--pool-size", "abc"], NoEnvironment, false, "--pool-size abc: expected a whole number" },
        { "pool size overflowing", [.. Adopt, "--pool-size", "99999999999"], NoEnvironment, false, "expected a whole number" },
        { "node name with capitals", ["adopt", "--node-name", "BadName", "--subnet", Subnet], NoEnvironment, false, "not a valid name" },
        { "node name too long", ["adopt", "--node-name", new string('a', 64), "--subnet", Subnet], NoEnvironment, false, "not a valid name" },
        { "primary NIC too long", [.. Adopt, "--primary-nic", "an-interface-name-too-long"], NoEnvironment, false, "not a valid interface name" },
        { "primary NIC with a shell character", [.. Adopt, "--primary-nic", "eth0;reboot"], NoEnvironment, false, "not a valid interface name" },
        { "primary NIC that is an alias label", [.. Adopt, "--primary-nic", "eth0:1"], NoEnvironment, false, "not a valid interface name" },
        { "empty state dir", [.. Adopt, "--state-dir", ""], NoEnvironment, false, "--state-dir is empty" },
        { "relative state dir", [.. Adopt, "--state-dir", "relative/dir"], NoEnvironment, false, "is relative" },
        { "state dir with a newline", [.. Adopt, "--state-dir", "/tmp/a\nb"], NoEnvironment, false, "control character" },
        { "empty state dir on teardown", ["teardown", "--state-dir", ""], NoEnvironment, false, "--state-dir is empty" },
        { "empty plugins dir", [.. Adopt, "--plugins-dir", ""], NoEnvironment, false, "--plugins-dir is empty" },
        { "manage-iptables not a boolean", [.. Adopt, "--manage-iptables=maybe"], NoEnvironment, false, "--manage-iptables maybe: expected true or false" },
        { "systemd requested without systemd", [.. Adopt, "--service-manager", "systemd"], NoEnvironment, false, "systemd is not running on this host; use --service-manager process" },
        { "systemd requested by the variable without systemd", Adopt, new() { ["COCOON_NET_SERVICE_MANAGER"] = "systemd" }, false, "systemd is not running" },
        { "unknown service manager", [.. Adopt, "--service-manager", "upstart"], NoEnvironment, false, "use auto, systemd or process" },
        { "unknown log level", Adopt, new() { ["COCOON_NET_LOG_LEVEL"] = "loud" }, false, "COCOON_NET_LOG_LEVEL=loud" },
        { "verbose and quiet", ["-v", "-q", .. Adopt], NoEnvironment, false, "contradict" },
        { "unknown platform", [.. Adopt, "--platform", "aws"], NoEnvironment, false, "--platform aws" },
        { "/7 (dry run)", [.. Gke, "--subnet", "10.0.0.0/7", "--dry-run"], NoEnvironment, false, "is too large: use /8 or longer" },
        { "/7", [.. Gke, "--subnet", "10.0.0.0/7"], NoEnvironment, false, "is too large: use /8 or longer" },
        { "GKE /30", [.. Gke, "--subnet", "172.20.0.0/30"], NoEnvironment, false, "/8 to /29" },
        { "status output format", ["status", "--output", "xml"], NoEnvironment, false, "--output xml" },
        { "completion for an unknown shell", ["completion", "ksh"], NoEnvironment, false, "use bash, zsh or fish" },
        { "adopt as non-root", Adopt, NoEnvironment, true, "must run as root" },
        { "init as non-root", [.. Gke, "--subnet", Subnet], NoEnvironment, true, "must run as root" },
        { "teardown as non-root", ["teardown"], NoEnvironment, true, "must run as root" },
    };

    [PrivilegedTheory]
    [MemberData(nameof(Cases))]
    public void Exits_2_with_one_clear_error_and_changes_nothing(string name, string[] arguments, Dictionary<string, string> environment, bool unprivileged, string expected)
    {
        var sandbox = _node.Sandbox;
        var result = Run(sandbox, arguments, environment, unprivileged);
        var context = $"{name}: cocoon-net {string.Join(' ', arguments)}\n{result}";

        Assert.True(result.ExitCode == 2, context);
        var errors = result.Stderr.Split('\n').Where(l => l.StartsWith("Error:", StringComparison.Ordinal)).ToList();
        Assert.True(errors.Count == 1, context);
        Assert.True(errors[0].Contains(expected, StringComparison.Ordinal), context);
        Assert.DoesNotContain("Error:", result.Stdout);
        Assert.False(TypeName().IsMatch(result.Stdout + result.Stderr), context);
        Assert.False(ResourceKey().IsMatch(errors[0]), context);

        var changed = new List<string>();
        if (sandbox.Links(sandbox.Node).Contains("cni0"))
        {
            changed.Add("bridge cni0 exists");
        }

        if (sandbox.RoutesWithProtocol("204").Count > 0)
        {
            changed.Add("proto 204 routes exist");
        }

        if (sandbox.IptablesSave().Contains("COCOON", StringComparison.Ordinal))
        {
            changed.Add("COCOON-NET chains exist");
        }

        changed.AddRange(Directory.EnumerateFileSystemEntries(sandbox.Root, "*", SearchOption.AllDirectories).Select(f => $"{f} exists"));
        if (sandbox.DnsmasqPid() is { } pid)
        {
            changed.Add($"dnsmasq runs (pid {pid})");
        }

        if (changed.Count > 0)
        {
            _node.Reset(); // the next case starts from a clean node, so one failure does not cascade
        }

        Assert.True(changed.Count == 0, $"{context}\nchanged: {string.Join("; ", changed)}");
    }

    private static CommandResult Run(Sandbox sandbox, string[] arguments, Dictionary<string, string> extra, bool unprivileged)
    {
        var environment = new Dictionary<string, string>
        {
            ["COCOON_NET_ROOT"] = sandbox.Root,
            ["COCOON_NET_PLUGINS_DIR"] = sandbox.PluginsDirectory,
            ["COCOON_NET_LOG_LEVEL"] = "debug",
            // Never a real cloud: the GKE cases point metadata at a closed loopback port.
            ["GCE_METADATA_HOST"] = "127.0.0.1:9",
        };
        foreach (var (key, value) in extra)
        {
            environment[key] = value;
        }

        string[] command = unprivileged
            ? ["netns", "exec", sandbox.Node, "setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", TestEnvironment.Binary, .. arguments]
            : ["netns", "exec", sandbox.Node, TestEnvironment.Binary, .. arguments];
        return Shell.Run("ip", command, environment, TimeSpan.FromSeconds(60));
    }

    // `System.Nullable`1[System.Int32]`, `System.IO.IOException`: a .NET type name.
    [GeneratedRegex(@"System\.[A-Z][A-Za-z]+|`\d")]
    private static partial Regex TypeName();

    // `net_bad_ip_network`, `IO_FileExists_Name`: a resource key (environment variable names are all capitals).
    [GeneratedRegex(@"\b(?=[A-Z_]*[a-z])[A-Za-z]+_[A-Za-z_]+\b")]
    private static partial Regex ResourceKey();

    /// <summary>One sandbox node for the whole table: each case must leave it as it found it.</summary>
    public sealed class Node : IDisposable
    {
        private Sandbox? _sandbox;

        internal Sandbox Sandbox => _sandbox ??= new Sandbox();

        public void Reset()
        {
            _sandbox?.Dispose();
            _sandbox = null;
        }

        public void Dispose() => Reset();
    }
}

/// <summary>A <see cref="PrivilegedFactAttribute"/> for tables of cases.</summary>
[Xunit.Sdk.TraitDiscoverer(NeedsDiscoverer.TypeName, NeedsDiscoverer.AssemblyName)]
public sealed class PrivilegedTheoryAttribute : TheoryAttribute, Xunit.Sdk.ITraitAttribute
{
    public PrivilegedTheoryAttribute()
    {
        if (!Support.Needs.UnitRun && !TestEnvironment.IsCi && TestEnvironment.WhyNoNamespaces() is { } reason)
        {
            Skip = reason;
        }
    }

    public string Needs => Support.Needs.Root;
}
