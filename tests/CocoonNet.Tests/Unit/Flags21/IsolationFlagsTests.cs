using System.Net;
using CocoonNet.Host;
using CocoonNet.Host.Cli;
using CocoonNet.Host.Operations;
using CocoonNet.Node.State;

namespace CocoonNet.Tests.Unit.Flags21;

/// <summary>
/// <c>--vm-isolation</c>, <c>--anti-spoofing</c>, <c>--drop-internal-access</c>, <c>--drop-cidr</c> and <c>--mtu</c>:
/// parsing, the one-line refusals (exit 2, nothing created), and how a run records them in pool.json.
/// </summary>
public sealed class IsolationFlagsTests
{
    private static readonly string NeverCreated = Path.Combine(Path.GetTempPath(), $"cocoon-never-created-{Guid.NewGuid():N}");

    private static (int Exit, string Stdout, string Stderr) Run(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var exit = new CliApplication(stdout, stderr).RunAsync(args, CancellationToken.None).GetAwaiter().GetResult();
        return (exit, stdout.ToString(), stderr.ToString());
    }

    private static NodeRequest Request(IsolationInput isolation, string dns = "8.8.8.8") =>
        NodeRequestValidator.Validate(
            new NodeInput(null, "n", IPNetwork.Parse("172.20.0.0/24"), 4, null, null, dns.Length == 0 ? [] : [IPAddress.Parse(dns)], "/tmp/x", false, null)
            {
                Isolation = isolation,
            },
            NodeRequestValidator.DefaultAdoptPoolSize);

    private static readonly PoolState Bare = new() { Subnet = "172.20.0.0/24" };

    [Fact]
    public void Drop_ranges_are_canonicalised_in_order_without_duplicates()
    {
        var ranges = IsolationInput.ParseDropCidrs(["10.0.0.5/8", " 192.168.1.0/24 ", "10.0.0.0/8", "203.0.113.7/32"]);
        Assert.Equal(["10.0.0.0/8", "192.168.1.0/24", "203.0.113.7/32"], ranges.Select(r => r.ToString()));
    }

    [Theory]
    [InlineData("none")]
    [InlineData("NONE")]
    public void None_alone_is_the_empty_list_that_clears_the_record(string word) =>
        Assert.Empty(IsolationInput.ParseDropCidrs([word]));

    [Theory]
    [InlineData("10.0.0.0/8,192.168.0.0/16", "--drop-cidr 10.0.0.0/8,192.168.0.0/16: give --drop-cidr once per range (e.g. --drop-cidr 10.0.0.0/8 --drop-cidr 192.168.0.0/16)")]
    [InlineData("fd00::/8", "--drop-cidr fd00::/8: only IPv4 is supported (VM traffic is IPv4; anti-spoofing drops IPv6 from VM ports)")]
    [InlineData("10.0.0.0", "--drop-cidr 10.0.0.0 is not an IPv4 CIDR (expected a.b.c.d/len, e.g. 10.0.0.0/8)")]
    [InlineData("10.0.0.0/33", "--drop-cidr 10.0.0.0/33 is not an IPv4 CIDR (expected a.b.c.d/len, e.g. 10.0.0.0/8)")]
    [InlineData("10.0.0.256/24", "--drop-cidr 10.0.0.256/24 is not an IPv4 CIDR (expected a.b.c.d/len, e.g. 10.0.0.0/8)")]
    [InlineData("1.2.3.4/0", "--drop-cidr 1.2.3.4/0 is every address: VMs could reach nothing beyond the node; give the ranges to drop")]
    [InlineData("", "--drop-cidr \"\": give a range such as 10.0.0.0/8, or none to clear the recorded ranges")]
    public void Bad_drop_ranges_are_one_sentence(string value, string message) =>
        Assert.Equal(message, Assert.Throws<UsageException>(() => IsolationInput.ParseDropCidrs([value])).Message);

    [Fact]
    public void None_with_ranges_is_refused() =>
        Assert.Equal("--drop-cidr none clears the recorded ranges: give it alone",
            Assert.Throws<UsageException>(() => IsolationInput.ParseDropCidrs(["10.0.0.0/8", "none"])).Message);

    [Theory]
    [InlineData("auto", IsolationInput.AutoMtu)]
    [InlineData("1460", 1460)]
    [InlineData("576", 576)]
    [InlineData("9000", 9000)]
    public void Mtus_parse(string text, int mtu) => Assert.Equal(mtu, IsolationInput.ParseMtu(text));

    [Theory]
    [InlineData("575", "--mtu 575 is out of range: use 576 (IPv4's minimum) to 9000 (jumbo frames), or auto")]
    [InlineData("9001", "--mtu 9001 is out of range: use 576 (IPv4's minimum) to 9000 (jumbo frames), or auto")]
    [InlineData("1.5k", "--mtu 1.5k: expected a number of bytes such as 1460, or auto (the primary NIC's)")]
    [InlineData("-1", "--mtu -1: expected a number of bytes such as 1460, or auto (the primary NIC's)")]
    public void Bad_mtus_are_one_sentence(string text, string message) =>
        Assert.Equal(message, Assert.Throws<UsageException>(() => IsolationInput.ParseMtu(text)).Message);

    [Theory]
    [InlineData(new[] { "adopt", "--node-name", "n", "--subnet", "10.0.0.0/24", "--drop-cidr", "10.1.0.0/16,10.2.0.0/16" },
        "Error: --drop-cidr 10.1.0.0/16,10.2.0.0/16: give --drop-cidr once per range (e.g. --drop-cidr 10.0.0.0/8 --drop-cidr 192.168.0.0/16)\n")]
    [InlineData(new[] { "init", "--node-name", "n", "--subnet", "10.0.0.0/24", "--drop-cidr", "0.0.0.0/0" },
        "Error: --drop-cidr 0.0.0.0/0 is every address: VMs could reach nothing beyond the node; give the ranges to drop\n")]
    [InlineData(new[] { "adopt", "--node-name", "n", "--subnet", "10.0.0.0/24", "--drop-cidr", "none", "--drop-cidr", "10.1.0.0/16" },
        "Error: --drop-cidr none clears the recorded ranges: give it alone\n")]
    [InlineData(new[] { "adopt", "--node-name", "n", "--subnet", "10.0.0.0/24", "--mtu", "100" },
        "Error: --mtu 100 is out of range: use 576 (IPv4's minimum) to 9000 (jumbo frames), or auto\n")]
    [InlineData(new[] { "adopt", "--node-name", "n", "--subnet", "10.0.0.0/24", "--mtu", "jumbo" },
        "Error: --mtu jumbo: expected a number of bytes such as 1460, or auto (the primary NIC's)\n")]
    [InlineData(new[] { "adopt", "--node-name", "n", "--subnet", "10.0.0.0/24", "--vm-isolation=maybe" }, "Error: --vm-isolation maybe: expected true or false (or the bare flag)\n")]
    [InlineData(new[] { "init", "--node-name", "n", "--subnet", "10.0.0.0/24", "--anti-spoofing", "off" }, "Error: --anti-spoofing off: expected true or false (or the bare flag)\n")]
    [InlineData(new[] { "agent", "--drop-cidr", "10.1.0.0/16" }, "Error: --drop-cidr needs --mode init or --mode adopt (without --mode the agent serves the node recorded in pool.json)\n")]
    [InlineData(new[] { "agent", "--vm-isolation=false" }, "Error: --vm-isolation needs --mode init or --mode adopt (without --mode the agent serves the node recorded in pool.json)\n")]
    [InlineData(new[] { "agent", "--mtu", "1400" }, "Error: --mtu needs --mode init or --mode adopt (without --mode the agent serves the node recorded in pool.json)\n")]
    public void Parse_problems_are_one_line_and_exit_2(string[] args, string expected)
    {
        var (exit, stdout, stderr) = Run([.. args, "--state-dir", NeverCreated, "--plugins-dir", "/nonexistent"]);
        Assert.Equal((2, "", expected), (exit, stdout, stderr));
        Assert.False(Directory.Exists(NeverCreated));
    }

    [Fact]
    public void A_drop_cidr_without_a_value_says_what_to_give() =>
        Assert.Equal((2, "Error: --drop-cidr needs a value (e.g. --drop-cidr 10.0.0.0/8)\n"),
            (Run("adopt", "--node-name", "n", "--subnet", "10.0.0.0/24", "--state-dir", NeverCreated, "--drop-cidr") is var r ? (r.Exit, r.Stderr) : default));

    [Fact]
    public void A_drop_range_holding_a_dns_server_the_vms_are_given_is_refused()
    {
        var (exit, _, stderr) = Run("adopt", "--node-name", "n", "--subnet", "10.0.0.0/24", "--manage-iptables", "--drop-cidr", "8.8.0.0/16",
            "--state-dir", NeverCreated, "--plugins-dir", "/nonexistent");
        Assert.Equal(2, exit);
        Assert.Equal(
            "Error: --drop-cidr 8.8.0.0/16 contains DNS server 8.8.8.8, which DHCP gives the VMs: they could not resolve names (narrow the range, or change --dns)\n",
            stderr);
        Assert.False(Directory.Exists(NeverCreated));
    }

    [Fact]
    public void A_drop_range_holding_the_vm_subnet_and_its_gateway_is_allowed()
    {
        // Upstream's own advice: drop the fleet's VM supernet. The gateway address is INPUT traffic, never FORWARD.
        var request = Request(new IsolationInput(DropCidrs: IsolationInput.ParseDropCidrs(["172.16.0.0/12"])));
        Assert.Equal(["172.16.0.0/12"], request.Isolation.Record(Bare, null).DropCidrs!);
    }

    [Theory]
    [InlineData("--drop-cidr", "10.9.0.0/16", "--drop-cidr")]
    [InlineData("--drop-internal-access", "true", "--drop-internal-access")]
    public void Adopt_with_a_drop_but_unmanaged_iptables_stops_before_anything(string flag, string value, string named)
    {
        var (exit, stdout, stderr) = Run("adopt", "--node-name", "n", "--subnet", "172.31.250.0/24", flag, value,
            "--state-dir", NeverCreated, "--plugins-dir", "/nonexistent");
        Assert.Equal((2, ""), (exit, stdout));
        Assert.Equal(
            $"Error: add --manage-iptables: {named} needs DROP rules in cocoon-net's iptables chains, and adopt leaves iptables alone by default\n",
            stderr);
        Assert.False(Directory.Exists(NeverCreated));
    }

    [Fact]
    public void Recorded_drops_with_iptables_turned_off_say_how_to_clear_them()
    {
        var recorded = new PoolState { Subnet = "172.20.0.0/24", DropInternalAccess = true, DropCidrs = ["10.0.0.0/8"] };
        var asked = IsolationInput.None.Record(new PoolState { Subnet = "172.20.0.0/24", ManageIptables = false }, recorded);
        Assert.Equal(
            "add --manage-iptables: the recorded drop ranges (own subnet 172.20.0.0/24, 10.0.0.0/8) need DROP rules in cocoon-net's iptables chains, "
            + "and adopt leaves iptables alone by default; or clear them with --drop-cidr none --drop-internal-access=false",
            IsolationInput.None.UnmanagedDropRefusal(asked));
        Assert.Null(IsolationInput.None.UnmanagedDropRefusal(asked with { ManageIptables = true }));
        var cleared = new IsolationInput(DropInternalAccess: false, DropCidrs: []);
        Assert.Null(cleared.UnmanagedDropRefusal(cleared.Record(new PoolState { Subnet = "172.20.0.0/24" }, recorded)));
    }

    [Fact]
    public void Defaults_are_recorded_as_absent()
    {
        var state = IsolationInput.None.Record(Bare, null);
        Assert.Equal((null, null, null, null, null), (state.VmIsolation, state.AntiSpoofing, state.DropInternalAccess, state.DropCidrs, state.Mtu));
        var explicitDefaults = new IsolationInput(true, true, false, [], IsolationInput.AutoMtu).Record(Bare, null);
        Assert.Equal(state, explicitDefaults);
        var json = PoolStateJson.Write(state);
        foreach (var key in new[] { "vmIsolation", "antiSpoofing", "dropInternalAccess", "dropCIDRs", "\"mtu\"" })
        {
            Assert.DoesNotContain(key, json);
        }
    }

    [Fact]
    public void The_record_follows_the_flags_and_a_re_run_without_them_keeps_it()
    {
        var given = new IsolationInput(false, false, true, IsolationInput.ParseDropCidrs(["10.0.0.0/8", "192.168.0.0/16"]), 1400);
        var first = given.Record(Bare, null);
        Assert.Equal((false, false, true, 1400), (first.VmIsolation, first.AntiSpoofing, first.DropInternalAccess, first.Mtu));
        Assert.Equal(["10.0.0.0/8", "192.168.0.0/16"], first.DropCidrs!);

        // pool.json round trip, then a re-run with no isolation flag at all: everything kept.
        var read = PoolStateJson.Read(System.Text.Encoding.UTF8.GetBytes(PoolStateJson.Write(first with { NodeName = "n", Platform = "generic" })));
        var rerun = IsolationInput.None.Record(Bare, read);
        Assert.Equal((first.VmIsolation, first.AntiSpoofing, first.DropInternalAccess, first.Mtu), (rerun.VmIsolation, rerun.AntiSpoofing, rerun.DropInternalAccess, rerun.Mtu));
        Assert.Equal(first.DropCidrs, rerun.DropCidrs);

        // --drop-cidr replaces the list when given at all; none clears it; --mtu auto and the defaults go back to absent.
        Assert.Equal(["172.16.0.0/12"], new IsolationInput(DropCidrs: IsolationInput.ParseDropCidrs(["172.16.0.0/12"])).Record(Bare, read).DropCidrs!);
        var back = new IsolationInput(true, true, false, IsolationInput.ParseDropCidrs(["none"]), IsolationInput.ParseMtu("auto")).Record(Bare, read);
        Assert.Equal((null, null, null, null, null), (back.VmIsolation, back.AntiSpoofing, back.DropInternalAccess, back.DropCidrs, back.Mtu));
    }

    [Fact]
    public void The_validator_carries_the_flags_and_checks_programmatic_input()
    {
        var request = Request(new IsolationInput(VmIsolation: false, Mtu: 1460));
        Assert.Equal(new IsolationInput(VmIsolation: false, Mtu: 1460), request.Isolation);
        // The in-cluster start builds its input in code: the same limits hold.
        Assert.Throws<UsageException>(() => Request(new IsolationInput(Mtu: 100)));
        Assert.Throws<UsageException>(() => Request(new IsolationInput(DropCidrs: [IPNetwork.Parse("0.0.0.0/0")])));
        Assert.Throws<UsageException>(() => Request(new IsolationInput(DropCidrs: [IPNetwork.Parse("8.0.0.0/8")])));
        Assert.NotNull(Request(new IsolationInput(DropCidrs: [IPNetwork.Parse("8.0.0.0/8")]), dns: ""));
    }

    [Fact]
    public void The_dry_runs_words_for_drops_and_mtu()
    {
        Assert.Equal("none", IsolationInput.Describe(Bare));
        Assert.Equal("own subnet 172.20.0.0/24, 10.0.0.0/8", IsolationInput.Describe(Bare with { DropInternalAccess = true, DropCidrs = ["10.0.0.0/8"] }));
        Assert.Equal("auto (the primary NIC's)", InitOperation.MtuLine(Bare));
        Assert.Equal("1400 (--mtu)", InitOperation.MtuLine(Bare with { Mtu = 1400 }));
    }

    [Fact]
    public void Completions_offer_the_new_flags_and_their_values()
    {
        var (exit, bash, _) = Run("completion", "bash");
        Assert.Equal(0, exit);
        foreach (var flag in new[] { "--vm-isolation", "--anti-spoofing", "--drop-internal-access", "--drop-cidr", "--mtu" })
        {
            Assert.Contains(flag, bash);
        }

        Assert.Contains("--drop-cidr) COMPREPLY=($(compgen -W \"none\"", bash);
        Assert.Contains("--mtu) COMPREPLY=($(compgen -W \"auto 1460 1500 9000\"", bash);
    }
}
