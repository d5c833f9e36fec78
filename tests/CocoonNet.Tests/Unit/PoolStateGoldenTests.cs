using CocoonNet.Node.Pipeline;
using CocoonNet.Node.State;

namespace CocoonNet.Tests.Unit;

/// <summary>
/// pool.json byte for byte: the files under Golden/ were written by a hand-written codec, not by this
/// serializer, so the format (key order, omissions, escaping, timestamps, indentation, no trailing
/// newline) is pinned independently of it, for writing and for reading back.
/// </summary>
public sealed class PoolStateGoldenTests
{
    private static readonly DateTimeOffset At = new(2026, 11, 28, 10, 15, 35, TimeSpan.Zero);

    public static TheoryData<string> Names => [.. Cases.Keys];

    [Theory]
    [MemberData(nameof(Names))]
    public void Written_exactly_as_the_golden_file(string name) =>
        Assert.Equal(Golden(name), PoolStateJson.Write(Cases[name]));

    [Theory]
    [MemberData(nameof(Names))]
    public void The_golden_file_reads_back_to_an_equal_state_that_writes_the_same_bytes(string name)
    {
        var read = PoolStateJson.Read(File.ReadAllBytes(PathOf(name)));
        Assert.Equal(Golden(name), PoolStateJson.Write(read));
        // Empty optionals are omitted, so they read back as absent: equal in content once normalized.
        Assert.Equal(PoolStateJson.Write(Cases[name]), PoolStateJson.Write(read));
        if (name != "pool-adopt-minimal")
        {
            Assert.Equal(Cases[name], read);
        }
    }

    private static string PathOf(string name) => Path.Combine(AppContext.BaseDirectory, "Unit", "Golden", name + ".json");

    private static string Golden(string name) => File.ReadAllText(PathOf(name));

    internal static readonly IReadOnlyDictionary<string, PoolState> Cases = new Dictionary<string, PoolState>
    {
        ["pool-gke-init"] = new()
        {
            Platform = "gke",
            NodeName = "cocoon-pool",
            Subnet = "172.20.100.0/24",
            Gateway = "172.20.100.1",
            PrimaryNic = "ens4",
            Ips = ["172.20.100.2", "172.20.100.3", "172.20.100.4"],
            AliasRangeName = "cocoon-pods",
            DnsServers = ["8.8.8.8", "1.1.1.1"],
            Mode = PoolState.ModeInit,
            Plugin = "gke",
            PluginVersion = "1.2.3",
            ManageIptables = true,
            Cloud = StateMap.From(new Dictionary<string, string> { ["zone"] = "us-central1-a", ["instance"] = "gke-node-1", ["Project"] = "p-1" }),
            Host = new HostFootprint
            {
                BridgeCreated = true,
                BridgeAddress = "172.20.100.1/24",
                Iptables = true,
                IptablesFingerprint = "nft:12-34-00ff00ff00ff00ff",
                DhcpService = "systemd",
                DhcpUnitInstalled = true,
                Files = ["/etc/dnsmasq-cni.d/cni0.conf", "/etc/cni/net.d/30-dnsmasq-dhcp.conflist"],
                Directories = ["/etc/dnsmasq-cni.d", "/etc/cni", "/etc/cni/net.d"],
            },
            UpdatedAt = At.AddTicks(1230000),
        },
        ["pool-volcengine-init"] = new()
        {
            Platform = "volcengine",
            NodeName = "node-a",
            Subnet = "10.0.0.0/24",
            Gateway = "10.0.0.1",
            PrimaryNic = "eth0",
            SecondaryNics = ["eth1", "eth2"],
            Ips = ["10.0.0.10", "10.0.0.11"],
            EniIds = ["eni-1", "eni-2"],
            SubnetId = "subnet-x",
            DnsServers = ["8.8.8.8"],
            Mode = PoolState.ModeInit,
            Plugin = "volcengine",
            PluginVersion = "0.1.0",
            ManageIptables = true,
            Cloud = StateMap.From(new Dictionary<string, string> { ["createdSubnet"] = "true" }),
            Host = new HostFootprint { BridgeCreated = true, BridgeAddress = "10.0.0.1/24", Iptables = true, DhcpService = "process", Files = ["/etc/x"] },
            UpdatedAt = At.AddTicks(1234567),
        },
        ["pool-adopt-minimal"] = new()
        {
            Platform = "generic",
            NodeName = "n",
            Subnet = "10.0.0.0/24",
            Gateway = "10.0.0.1",
            PrimaryNic = "",
            SecondaryNics = [],
            Ips = [],
            EniIds = [],
            SubnetId = "",
            AliasRangeName = "",
            DnsServers = [],
            Mode = PoolState.ModeAdopt,
            Plugin = "",
            PluginVersion = "",
            Cloud = StateMap.Empty,
            Host = new HostFootprint { BridgeAddress = "", IptablesFingerprint = "", DhcpService = "" },
            UpdatedAt = At,
        },
        ["pool-adopt-embedded"] = new()
        {
            Platform = "generic",
            NodeName = "cocoon-pool",
            Subnet = "172.20.0.0/24",
            Gateway = "172.20.0.1",
            PrimaryNic = "eth0",
            Ips = ["172.20.0.2", "172.20.0.3"],
            Mode = PoolState.ModeAdopt,
            Plugin = "adopt",
            PluginVersion = "1.0.0",
            ManageIptables = true,
            Dhcp = "embedded",
            LeaseSeconds = 3600,
            Host = new HostFootprint
            {
                BridgeCreated = true,
                BridgeAddress = "172.20.0.1/24",
                Iptables = true,
                Files = ["/etc/cni/net.d/30-cocoon-dhcp.conflist"],
                Directories = ["/etc/cni", "/etc/cni/net.d"],
            },
            UpdatedAt = At,
        },
        ["pool-seed"] = new() { Platform = "gke", NodeName = "seed", Subnet = "172.20.1.0/24", Mode = PoolState.ModeInit, Ips = null, UpdatedAt = At.AddTicks(5000000) },
        ["pool-escaping"] = new()
        {
            Platform = "third-party",
            NodeName = "q\"b\\s<a>&'+é中\u0001\t/",
            Subnet = "10.0.0.0/24",
            Gateway = "10.0.0.1",
            Ips = ["10.0.0.2"],
            Mode = PoolState.ModeAdopt,
            Plugin = "acme ✓",
            Cloud = StateMap.From(new Dictionary<string, string> { ["k\"ey<"] = "v\u2028al\u00e9", ["a"] = "" }),
            Host = new HostFootprint { Files = ["/tmp/ü dir/f\"ile"] },
            UpdatedAt = new DateTimeOffset(2026, 11, 28, 12, 15, 35, TimeSpan.FromHours(2)).AddTicks(100),
        },
        ["pool-empty"] = new(),
    };
}
