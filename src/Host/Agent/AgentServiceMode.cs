using CocoonNet.Node.Pipeline;
using CocoonNet.Node.State;

namespace CocoonNet.Host.Agent;

/// <summary>
/// How the agent runs dnsmasq-cni when it serves a node: as --service-manager (or its variable) says when given,
/// else the way the node's dnsmasq was started (pool.json's footprint), so an agent started by systemd on a node
/// adopted with <c>--service-manager process</c> keeps supervising that dnsmasq instead of starting a second one.
/// </summary>
internal static class AgentServiceMode
{
    public static DhcpServiceMode For(bool given, RuntimeSettings runtime, PoolState? state) =>
        given ? runtime.ServiceMode
        : state?.Host.DhcpService switch
        {
            "process" => DhcpServiceMode.Process,
            "systemd" => DhcpServiceMode.Systemd,
            _ => runtime.ServiceMode,
        };
}
