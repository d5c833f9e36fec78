using System.Diagnostics;
using CocoonNet.Node.Pipeline;
using CocoonNet.Node.State;

namespace CocoonNet.Tests.Unit;

/// <summary>
/// pool.json as an attacker or an old copy may leave it: every value that could not have come from a valid run is
/// refused on load with one line naming the field, before anything acts on it.
/// </summary>
public sealed class PoolStateTamperingTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("cocoon-tamper-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    /// <summary>What adopt writes for the integration sandbox: valid, and the base every row changes one field of.</summary>
    internal static readonly PoolState Valid = new()
    {
        Platform = "generic",
        NodeName = "sandbox",
        Subnet = "172.20.0.0/24",
        Gateway = "172.20.0.1",
        PrimaryNic = "eth0",
        SecondaryNics = ["eth1"],
        Ips = ["172.20.0.2", "172.20.0.3"],
        DnsServers = ["8.8.8.8", "1.1.1.1"],
        Mode = PoolState.ModeAdopt,
        Plugin = "generic",
        PluginVersion = "1.0.0+abc",
        Settings = StateMap.From(new Dictionary<string, string> { ["security-group-id"] = "sg-1" }),
        Cloud = StateMap.From(new Dictionary<string, string> { ["zone"] = "us-central1-a" },
            new Dictionary<string, IReadOnlyList<string>> { ["enis"] = ["eni-1"] }),
        ManageIptables = true,
        Host = new HostFootprint
        {
            BridgeCreated = true,
            BridgeAddress = "172.20.0.1/24",
            Iptables = true,
            IptablesFingerprint = "nft:12-34",
            DhcpService = "process",
            Files = ["/etc/dnsmasq-cni.d/cni0.conf"],
            Directories = ["/etc/dnsmasq-cni.d"],
        },
        UpdatedAt = DateTimeOffset.UnixEpoch,
    };

    /// <summary>By row name: the tampering, the field the error must name, a phrase of the reason.</summary>
    internal static readonly IReadOnlyDictionary<string, (Func<PoolState, PoolState> Tamper, string Field, string Why)> Table =
        new Dictionary<string, (Func<PoolState, PoolState>, string, string)>
        {
            ["ip outside the subnet"] = (s => s with { Ips = ["172.20.0.2", "8.8.8.8"] }, "ips", "\"8.8.8.8\" is outside the subnet 172.20.0.0/24"),
            ["the gateway as an ip"] = (s => s with { Ips = ["172.20.0.1"] }, "ips", "is the gateway"),
            ["the network address"] = (s => s with { Ips = ["172.20.0.0"] }, "ips", "is the network address"),
            ["the broadcast address"] = (s => s with { Ips = ["172.20.0.255"] }, "ips", "is the broadcast address"),
            ["duplicate ips"] = (s => s with { Ips = ["172.20.0.2", "172.20.0.3", "172.20.0.2"] }, "ips", "is listed twice"),
            ["400k ips"] = (s => s with { Ips = [.. Many(400_000)] }, "ips", "holds 400000 addresses, more than the 253"),
            ["more than the subnet holds"] = (s => s with { Subnet = "172.20.0.0/30", Ips = ["172.20.0.2", "172.20.0.3"] }, "ips", "more than the 1 the subnet"),
            ["ip in a lax form"] = (s => s with { Ips = ["172.20.0.010"] }, "ips", "is not an IPv4 address"),
            ["ip of three parts"] = (s => s with { Ips = ["172.20.2"] }, "ips", "is not an IPv4 address"),
            ["ip of five parts"] = (s => s with { Ips = ["172.20.0.2.1"] }, "ips", "is not an IPv4 address"),
            ["ip with a trailing dot"] = (s => s with { Ips = ["172.20.0.2."] }, "ips", "is not an IPv4 address"),
            ["ip part over 255"] = (s => s with { Ips = ["172.20.0.256"] }, "ips", "is not an IPv4 address"),
            ["ip with a space"] = (s => s with { Ips = [" 172.20.0.2"] }, "ips", "is not an IPv4 address"),
            ["ip empty"] = (s => s with { Ips = [""] }, "ips", "is not an IPv4 address"),
            ["loopback subnet"] = (s => s with { Subnet = "127.0.0.0/8", Gateway = "127.0.0.1", Ips = [] }, "subnet", "overlaps 127.0.0.0/8"),
            ["link-local subnet"] = (s => s with { Subnet = "169.254.0.0/16", Gateway = "", Ips = [] }, "subnet", "link-local"),
            ["subnet /31"] = (s => s with { Subnet = "172.20.0.0/31", Gateway = "", Ips = [] }, "subnet", "is too small"),
            ["subnet /7"] = (s => s with { Subnet = "10.0.0.0/7", Gateway = "", Ips = [] }, "subnet", "is too large"),
            ["subnet with host bits"] = (s => s with { Subnet = "172.20.0.1/24" }, "subnet", "no host bits set"),
            ["subnet missing"] = (s => s with { Subnet = "" }, "subnet", "is not an IPv4 network"),
            ["ipv6 subnet"] = (s => s with { Subnet = "fd00::/64" }, "subnet", "is not an IPv4 network"),
            ["gateway outside the subnet"] = (s => s with { Gateway = "10.9.9.9" }, "gateway", "is outside the subnet"),
            ["gateway the broadcast address"] = (s => s with { Gateway = "172.20.0.255" }, "gateway", "is the broadcast address"),
            ["gateway not an address"] = (s => s with { Gateway = "172.20.0.1\nx" }, "gateway", "is not an IPv4 address"),
            ["primaryNIC with a newline"] = (s => s with { PrimaryNic = "eth0\ndhcp-script=/tmp/x" }, "primaryNIC", "\"eth0\\ndhcp-script=/tmp/x\" is not an interface name"),
            ["primaryNIC with a space"] = (s => s with { PrimaryNic = "eth0 -j ACCEPT" }, "primaryNIC", "is not an interface name"),
            ["primaryNIC with a slash"] = (s => s with { PrimaryNic = "../../x" }, "primaryNIC", "is not an interface name"),
            ["primaryNIC of 16 bytes"] = (s => s with { PrimaryNic = "abcdefghijklmnop" }, "primaryNIC", "is not an interface name"),
            ["primaryNIC an alias"] = (s => s with { PrimaryNic = "eth0:1" }, "primaryNIC", "is not an interface name"),
            ["primaryNIC dot-dot"] = (s => s with { PrimaryNic = ".." }, "primaryNIC", "is not an interface name"),
            ["secondaryNICs with a newline"] = (s => s with { SecondaryNics = ["eth1", "eth2\n-A INPUT -j ACCEPT"] }, "secondaryNICs", "is not an interface name"),
            ["bad platform name"] = (s => s with { Platform = "Generic Cloud" }, "platform", "is not a platform name"),
            ["platform with a newline"] = (s => s with { Platform = "gke\n" }, "platform", "is not a platform name"),
            ["platform missing"] = (s => s with { Platform = "" }, "platform", "is not a platform name"),
            ["bad mode"] = (s => s with { Mode = "root" }, "mode", "is not init or adopt"),
            ["bad plugin name"] = (s => s with { Plugin = "../evil" }, "plugin", "is not a plugin name"),
            ["plugin version with a newline"] = (s => s with { PluginVersion = "1.0\nx" }, "pluginVersion", "is not a version"),
            ["dns not ipv4"] = (s => s with { DnsServers = ["8.8.8.8", "2001:4860:4860::8888"] }, "dnsServers", "is not an IPv4 address"),
            ["dns a name"] = (s => s with { DnsServers = ["dns.google"] }, "dnsServers", "is not an IPv4 address"),
            ["dns with a newline"] = (s => s with { DnsServers = ["8.8.8.8\ndhcp-script=/tmp/x"] }, "dnsServers", "is not an IPv4 address"),
            ["bad node name"] = (s => s with { NodeName = "Node_1" }, "nodeName", "is not a node name"),
            ["node name missing"] = (s => s with { NodeName = "" }, "nodeName", "is not a node name"),
            ["setting key not a name"] = (s => s with { Settings = StateMap.From(new Dictionary<string, string> { ["Key\n"] = "v" }) }, "settings", "is not a setting name"),
            ["setting value with a newline"] = (s => s with { Settings = StateMap.From(new Dictionary<string, string> { ["region"] = "a\nb" }) }, "settings.region", "is not one line"),
            ["setting a list"] = (s => s with { Settings = StateMap.From([], new Dictionary<string, IReadOnlyList<string>> { ["region"] = ["a"] }) }, "settings", "is a list"),
            ["cloud value with a newline"] = (s => s with { Cloud = StateMap.From(new Dictionary<string, string> { ["zone"] = "a\rb" }) }, "cloud.zone", "is not one line"),
            ["cloud list item with a newline"] = (s => s with { Cloud = StateMap.From([], new Dictionary<string, IReadOnlyList<string>> { ["enis"] = ["eni\n"] }) }, "cloud.enis", "is not one line"),
            ["eni id with a newline"] = (s => s with { EniIds = ["eni-1\n"] }, "eniIDs", "is not one line"),
            ["subnet id too long"] = (s => s with { SubnetId = new string('x', 2000) }, "subnetID", "is not one line of at most 1024"),
            ["alias range with a control character"] = (s => s with { AliasRangeName = "a\u0000b" }, "aliasRangeName", "is not one line"),
            ["relative file"] = (s => s with { Host = s.Host with { Files = ["etc/x"] } }, "host.files", "is not an absolute, normalized path"),
            ["file climbing up"] = (s => s with { Host = s.Host with { Files = ["/etc/dnsmasq-cni.d/../passwd"] } }, "host.files", "is not an absolute, normalized path"),
            ["the root as a directory"] = (s => s with { Host = s.Host with { Directories = ["/"] } }, "host.directories", "is not an absolute, normalized path"),
            ["directory with a newline"] = (s => s with { Host = s.Host with { Directories = ["/etc/x\n"] } }, "host.directories", "is not an absolute, normalized path"),
            ["unknown dhcp service"] = (s => s with { Host = s.Host with { DhcpService = "sh -c x" } }, "host.dhcpService", "is not process or systemd"),
            ["bridge address not an address"] = (s => s with { Host = s.Host with { BridgeAddress = "cni0\n" } }, "host.bridgeAddress", "is not an IPv4 address with its prefix length"),
            ["fingerprint with a space"] = (s => s with { Host = s.Host with { IptablesFingerprint = "nft: x" } }, "host.iptablesFingerprint", "is not a fingerprint"),
        };

    public static TheoryData<string> Rows => new(Table.Keys);

    [Theory]
    [MemberData(nameof(Rows))]
    public void A_tampered_pool_json_is_refused_with_one_line_naming_the_field(string row)
    {
        var (tamper, field, why) = Table[row];
        var store = Write(tamper(Valid));
        var e = Assert.Throws<PoolStateInvalidException>(store.Load);
        Assert.StartsWith($"{store.Path}: field \"{field}\" ", e.Message);
        Assert.Contains(why, e.Message);
        Assert.EndsWith("; fix or remove the file (a copy of the last good state is not kept)", e.Message);
        Assert.DoesNotContain('\n', e.Message);
        Assert.DoesNotContain('\r', e.Message);
        Assert.DoesNotContain("System.", e.Message);
        Assert.DoesNotContain("Exception", e.Message);
        Assert.True(e.Message.Length < 400, $"{row}: {e.Message.Length} characters");
    }

    [Theory]
    [MemberData(nameof(Rows))]
    public void Init_adopt_and_the_agent_see_the_same_refusal_through_LoadProvisioned(string row)
    {
        var (tamper, field, _) = Table[row];
        var store = Write(tamper(Valid));
        Assert.Contains($"field \"{field}\"", Assert.Throws<PoolStateInvalidException>(store.LoadProvisioned).Message);
    }

    [Fact]
    public void What_valid_runs_and_upstream_write_loads()
    {
        Assert.Equal(Valid, Write(Valid).Load());
        foreach (var golden in new[] { "pool-gke-init", "pool-volcengine-init", "pool-adopt-minimal", "pool-seed" })
        {
            var state = PoolStateGoldenTests.Cases[golden];
            Assert.Equal(PoolStateJson.Read(PoolStateJson.Write(state)), Write(state).Load());
        }

        // Upstream's file: no mode, no plugin, no footprint; an older file without a gateway.
        Assert.NotNull(Write(Valid with { Mode = "", Plugin = null, PluginVersion = null, Settings = null, Cloud = null, Host = new() }).Load());
        Assert.NotNull(Write(Valid with { Gateway = "", Ips = ["172.20.0.2"] }).Load());
        // A full /24: every host but the gateway; addresses with a 0 part and a part of 255.
        Assert.NotNull(Write(Valid with { Ips = [.. Many(253)] }).Load());
        Assert.NotNull(Write(Valid with { Subnet = "10.0.0.0/8", Gateway = "10.0.0.1", Ips = ["10.0.0.2", "10.255.0.0", "10.0.255.255", "10.1.0.9"] }).Load());
        // A subnet at both ends of the accepted range, and a gateway other than the first host.
        Assert.NotNull(Write(Valid with { Subnet = "10.0.0.0/8", Gateway = "10.0.0.9", Ips = ["10.0.0.1"] }).Load());
        Assert.NotNull(Write(Valid with { Subnet = "172.20.0.0/30", Ips = ["172.20.0.2"] }).Load());
    }

    [Fact]
    public void The_gateway_defaulted_for_an_older_file_is_still_kept_out_of_the_ips()
    {
        var e = Assert.Throws<PoolStateInvalidException>(Write(Valid with { Gateway = "", Ips = ["172.20.0.1"] }).Load);
        Assert.Contains("field \"ips\" value \"172.20.0.1\" is the gateway", e.Message);
    }

    [Fact]
    public void A_huge_list_is_refused_by_its_count_before_any_address_is_parsed()
    {
        var store = Write(Valid with { Ips = [.. Many(400_000)] });
        Assert.True(new FileInfo(store.Path).Length < PoolStateStore.MaxStateBytes);
        var clock = Stopwatch.StartNew();
        Assert.Throws<PoolStateInvalidException>(store.Load);
        // Reading 7 MB of JSON dominates; the check itself adds nothing per address.
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"took {clock.Elapsed}");
    }

    /// <summary>The first <paramref name="count"/> hosts of 172.20.0.0/16 after the gateway, in order.</summary>
    private static IEnumerable<string> Many(int count) =>
        Enumerable.Range(2, count).Select(i => $"172.{20 + (i >> 16)}.{(i >> 8) & 255}.{i & 255}");

    private PoolStateStore Write(PoolState state)
    {
        var store = new PoolStateStore(_dir, TimeProvider.System);
        File.WriteAllText(store.Path, PoolStateJson.Write(state));
        return store;
    }
}
