using CocoonNet.Host.Operations;
using CocoonNet.Node.Pipeline;
using CocoonNet.Node.State;

namespace CocoonNet.Tests.Unit.Flags21;

/// <summary>
/// pool.json of a node with every isolation choice away from its default, byte for byte (Golden/pool-adopt-isolation.json,
/// written by hand): upstream's keys dropInternalAccess and dropCIDRs in upstream's place, ours after leaseSeconds.
/// </summary>
public sealed class IsolationGoldenTests
{
    private static readonly PoolState Adopted = new()
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
        Host = new HostFootprint
        {
            BridgeCreated = true,
            BridgeAddress = "172.20.0.1/24",
            Iptables = true,
            Files = ["/etc/cni/net.d/30-dnsmasq-dhcp.conflist"],
            Directories = ["/etc/cni", "/etc/cni/net.d"],
        },
        UpdatedAt = new DateTimeOffset(2026, 11, 28, 10, 15, 35, TimeSpan.Zero),
    };

    private static string Golden => File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Unit", "Golden", "pool-adopt-isolation.json"));

    private static readonly IsolationInput Flags = new(false, false, true, IsolationInput.ParseDropCidrs(["10.0.0.0/8", "192.168.0.0/16"]), 1400);

    [Fact]
    public void The_flags_record_exactly_the_golden_file() =>
        Assert.Equal(Golden, PoolStateJson.Write(Flags.Record(Adopted, null)));

    [Fact]
    public void The_golden_file_reads_back_and_a_re_run_without_flags_writes_the_same_bytes()
    {
        var read = PoolStateJson.Read(System.Text.Encoding.UTF8.GetBytes(Golden));
        Assert.Null(PoolStateRules.Problem(read));
        Assert.Equal(Golden, PoolStateJson.Write(IsolationInput.None.Record(Adopted, read)));
        Assert.False(read.IsolatesVms);
        Assert.False(read.ChecksSpoofing);

        var target = Node.Engine.NodeTarget.Of(read, DhcpServiceMode.Process, "/unused");
        Assert.Equal((false, false, true, 1400), (target.Spec.VmIsolation, target.Spec.AntiSpoofing, target.Spec.DropInternalAccess, target.Spec.MtuOverride));
        Assert.Equal(["10.0.0.0/8", "192.168.0.0/16"], target.Spec.DropCidrs.Select(c => c.ToString()));
    }

    [Theory]
    [InlineData("10.0.0.5/8")]
    [InlineData("0.0.0.0/0")]
    [InlineData("fd00::/8")]
    [InlineData("10.0.0.0/8,192.168.0.0/16")]
    public void A_recorded_drop_range_is_held_to_the_flags_rules(string range)
    {
        var problem = PoolStateRules.Problem(Flags.Record(Adopted, null) with { DropCidrs = [range] });
        Assert.NotNull(problem);
        Assert.Contains("dropCIDRs", problem);
    }
}
