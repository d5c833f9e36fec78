using CocoonNet.Host;
using CocoonNet.Node.Net;
using CocoonNet.Host.Operations;

namespace CocoonNet.Tests.Unit;

public sealed class NodeRequestValidatorTests
{
    /// <summary>The input as the command line's parsers make it (OptionValues runs the same parse functions).</summary>
    private static Func<NodeInput> Input(string? subnet = "172.20.100.0/24", string? gateway = null, int? poolSize = null, string dns = "8.8.8.8,1.1.1.1",
        string? nodeName = "cocoon-pool", string? primaryNic = null) =>
        () => new(null, nodeName, NodeRequestValidator.ParseSubnet(subnet), poolSize, Gateway(gateway), primaryNic, NodeRequestValidator.ParseDns(dns),
            "/var/lib/cocoon/net", false, null);

    private static System.Net.IPAddress? Gateway(string? text) =>
        text is null ? null
        : CocoonNet.Node.Net.Ipv4.TryParseStrict(text, out var address) ? address
        : throw new UsageException($"--gateway {text} is not an IPv4 address");

    private static NodeRequest Validate(Func<NodeInput> input, int defaultPoolSize) => NodeRequestValidator.Validate(input(), defaultPoolSize);

    private static string Error(Func<NodeInput> input) =>
        Assert.Throws<UsageException>(() => NodeRequestValidator.Validate(input(), 140)).Message;

    [Fact]
    public void Defaults_follow_upstream()
    {
        var request = Validate(Input(), 140);
        Assert.Equal("172.20.100.1", request.Gateway.ToString());
        Assert.Equal(140, request.PoolSize);
        Assert.Equal(["8.8.8.8", "1.1.1.1"], request.Dns.Select(d => d.ToString()));
    }

    [Fact]
    public void Default_pool_size_is_capped_to_the_subnet_but_an_explicit_one_is_not()
    {
        Assert.Equal(13, Validate(Input(subnet: "10.0.0.0/28"), 253).PoolSize);
        Assert.Equal("--pool-size 14 does not fit --subnet 10.0.0.0/28: it has 13 addresses for VMs (network, broadcast and gateway excluded)",
            Error(Input(subnet: "10.0.0.0/28", poolSize: 14)));
    }

    [Theory]
    [InlineData("", "--subnet is required (an IPv4 CIDR such as 172.20.100.0/24)")]
    [InlineData("172.20.100.0", "--subnet 172.20.100.0 is not an IPv4 CIDR (expected a.b.c.d/len, e.g. 172.20.100.0/24)")]
    [InlineData("not-a-cidr", "--subnet not-a-cidr is not an IPv4 CIDR (expected a.b.c.d/len, e.g. 172.20.100.0/24)")]
    [InlineData("2001:db8::/64", "--subnet 2001:db8::/64: only IPv4 is supported")]
    [InlineData("172.20.100.5/24", "--subnet 172.20.100.5/24 has host bits set; did you mean 172.20.100.0/24?")]
    [InlineData("10.0.0.0/31", "--subnet 10.0.0.0/31 is too small: use /30 or shorter (a gateway plus at least one VM address)")]
    [InlineData("10.0.0.0/33", "--subnet 10.0.0.0/33 is not an IPv4 CIDR (expected a.b.c.d/len, e.g. 172.20.100.0/24)")]
    [InlineData("0.0.0.0/0", "--subnet 0.0.0.0/0 is too large: use /8 or longer")]
    [InlineData("10.0.0.0/7", "--subnet 10.0.0.0/7 is too large: use /8 or longer")]
    [InlineData("0.0.0.0/8", "--subnet 0.0.0.0/8 overlaps 0.0.0.0/8 (\"this network\"): use a private range such as 10.0.0.0/8, 172.16.0.0/12 or 192.168.0.0/16")]
    [InlineData("127.0.0.0/8", "--subnet 127.0.0.0/8 overlaps 127.0.0.0/8 (loopback): use a private range such as 10.0.0.0/8, 172.16.0.0/12 or 192.168.0.0/16")]
    [InlineData("127.1.2.0/24", "--subnet 127.1.2.0/24 overlaps 127.0.0.0/8 (loopback): use a private range such as 10.0.0.0/8, 172.16.0.0/12 or 192.168.0.0/16")]
    [InlineData("169.254.0.0/16", "--subnet 169.254.0.0/16 overlaps 169.254.0.0/16 (link-local, the metadata server): use a private range such as 10.0.0.0/8, 172.16.0.0/12 or 192.168.0.0/16")]
    [InlineData("169.254.169.252/30", "--subnet 169.254.169.252/30 overlaps 169.254.0.0/16 (link-local, the metadata server): use a private range such as 10.0.0.0/8, 172.16.0.0/12 or 192.168.0.0/16")]
    [InlineData("224.0.0.0/4", "--subnet 224.0.0.0/4 is too large: use /8 or longer")]
    [InlineData("239.1.0.0/16", "--subnet 239.1.0.0/16 overlaps 224.0.0.0/4 (multicast): use a private range such as 10.0.0.0/8, 172.16.0.0/12 or 192.168.0.0/16")]
    [InlineData("255.255.255.0/24", "--subnet 255.255.255.0/24 overlaps 240.0.0.0/4 (reserved and broadcast): use a private range such as 10.0.0.0/8, 172.16.0.0/12 or 192.168.0.0/16")]
    public void Bad_subnets_are_explained(string subnet, string message) => Assert.Equal(message, Error(Input(subnet: subnet)));

    [Theory]
    [InlineData("not-an-ip", "--gateway not-an-ip is not an IPv4 address")]
    [InlineData("10.0.1.1", "--gateway 10.0.1.1 is outside --subnet 172.20.100.0/24")]
    [InlineData("172.20.100.0", "--gateway 172.20.100.0 is the network address of 172.20.100.0/24; use a host address such as 172.20.100.1")]
    [InlineData("172.20.100.255", "--gateway 172.20.100.255 is the broadcast address of 172.20.100.0/24; use a host address such as 172.20.100.1")]
    public void Bad_gateways_are_explained(string gateway, string message) => Assert.Equal(message, Error(Input(gateway: gateway)));

    [Theory]
    [InlineData("", new string[0])]
    [InlineData("   ", new string[0])]
    [InlineData(" 8.8.8.8 , 1.1.1.1 ", new[] { "8.8.8.8", "1.1.1.1" })]
    [InlineData("8.8.8.8,", new[] { "8.8.8.8" })]
    [InlineData(",,", new string[0])]
    public void Dns_lists_are_split_and_trimmed(string dns, string[] expected) =>
        Assert.Equal(expected, Validate(Input(dns: dns), 140).Dns.Select(d => d.ToString()));

    [Fact]
    public void Bad_dns_entries_are_named() =>
        Assert.Equal("--dns entry \"dns.google\" is not an IPv4 address (use a comma-separated list such as 8.8.8.8,1.1.1.1)", Error(Input(dns: "8.8.8.8,dns.google")));

    [Theory]
    [InlineData("Cocoon_Pool")]
    [InlineData("-pool")]
    [InlineData("pool-")]
    [InlineData("a b")]
    public void Bad_node_names_are_rejected(string name) => Assert.StartsWith($"--node-name \"{name}\" is not a valid name", Error(Input(nodeName: name)));

    [Theory]
    [InlineData("a", true)]
    [InlineData("cocoon-pool-01", true)]
    [InlineData("0", true)]
    [InlineData("", false)]
    [InlineData("a--", false)]
    [InlineData("pool.x", false)]
    [InlineData("pöol", false)]
    public void Node_names_are_dns_labels(string name, bool valid) => Assert.Equal(valid, Names.IsDnsLabel(name));

    [Theory]
    [InlineData("eth0", true)]
    [InlineData("ens4.100", true)]
    [InlineData("veth@if3_x-y.z", true)]
    [InlineData("eth0:1", false)]
    [InlineData(".", false)]
    [InlineData("..", false)]
    [InlineData("abcdefghijklmno", true)]
    [InlineData("abcdefghijklmnop", false)]
    [InlineData("eth 0", false)]
    [InlineData("eth/0", false)]
    [InlineData("", false)]
    public void Interface_names_follow_the_kernels_limits(string name, bool valid) => Assert.Equal(valid, Names.IsInterfaceName(name));

    [Fact]
    public void Pool_size_must_be_positive() => Assert.Equal("--pool-size 0 must be at least 1", Error(Input(poolSize: 0)));

    [Fact]
    public void Interface_names_are_checked() =>
        Assert.Equal("--primary-nic \"eth0; rm -rf /\" is not a valid interface name", Error(Input(primaryNic: "eth0; rm -rf /")));
}
