using CocoonNet.Node.Engine;
using CocoonNet.Node.Linux;
using CocoonNet.Node.Pipeline;
using CocoonNet.Node.State;
using NSubstitute;

namespace CocoonNet.Tests.Unit.Ports;

/// <summary>The effective MTU, decided in one place: --mtu, else the primary NIC's live MTU; --mtu above it refused.</summary>
public sealed class EffectiveMtuTests
{
    private static readonly LinkInfo[] Links = [new("lo", 1, "", true, "", 0) { Mtu = 65536 }, new("ens4", 2, "42:01:0a:00:00:02", true, "", 0) { Mtu = 1460 }];

    [Fact]
    public void The_recorded_mtu_wins_else_the_primary_nics_else_unknown()
    {
        Assert.Equal(1400, EffectiveMtu.Of(1400, "ens4", Links));
        Assert.Equal(1460, EffectiveMtu.Of(null, "ens4", Links));
        Assert.Null(EffectiveMtu.Of(null, "eth9", Links));
        Assert.Null(EffectiveMtu.Of(null, "", Links));
    }

    [Fact]
    public void An_mtu_above_the_primary_nics_is_refused_in_one_line()
    {
        Assert.Equal(
            "--mtu 1500: above the MTU of the primary NIC ens4 (1460); VMs' full-size packets could not leave the node. Give at most 1460, or --mtu auto to follow ens4",
            EffectiveMtu.Refusal(1500, "ens4", Links));
        Assert.Null(EffectiveMtu.Refusal(1460, "ens4", Links));
        Assert.Null(EffectiveMtu.Refusal(null, "ens4", Links));
        Assert.Null(EffectiveMtu.Refusal(9000, "eth9", Links));
    }

    [Fact]
    public void The_engine_refuses_from_the_state_and_puts_the_effective_mtu_in_the_spec()
    {
        var kernel = Substitute.For<IKernelNetwork>();
        kernel.ListLinks().Returns(Links);
        var sink = Substitute.For<IChangeSink>();
        var engine = new NodeEngine(new HostPipeline([], sink, Microsoft.Extensions.Logging.Abstractions.NullLogger<HostPipeline>.Instance), kernel, sink);
        var state = new PoolState { Platform = "generic", NodeName = "n", Subnet = "172.20.100.0/24", PrimaryNic = "ens4", Ips = ["172.20.100.2"] };
        Assert.NotNull(engine.MtuRefusal(state with { Mtu = 1500 }));
        Assert.Null(engine.MtuRefusal(state));
        var target = NodeTarget.Of(state, DhcpServiceMode.Process, "/nonexistent");
        Assert.Equal(1460, engine.WithMtu(target).Spec.Mtu);
        Assert.Equal(1400, engine.WithMtu(NodeTarget.Of(state with { Mtu = 1400 }, DhcpServiceMode.Process, "/nonexistent")).Spec.Mtu);
    }
}
