using System.Net;
using CocoonNet.Host.Agent.Telemetry;
using CocoonNet.Host.Operations;

namespace CocoonNet.Host.Agent;

/// <summary>How the agent starts: serve the node in pool.json, or first run init / adopt with the node flags.</summary>
internal enum AgentStartMode
{
    Serve,
    Init,
    Adopt,
}

/// <summary>
/// The agent's flags, parsed and checked before anything runs. <paramref name="Listen"/> is served by the
/// telemetry endpoints; <paramref name="CloudCheck"/> zero turns the cloud check off.
/// </summary>
internal sealed record AgentOptions(
    AgentStartMode Mode,
    NodeRequest? Request,
    string StateDirectory,
    TimeSpan Resync,
    TimeSpan CloudCheck,
    bool RepairCloud,
    ListenAddress Listen)
{
    /// <summary>--service-manager (or COCOON_NET_SERVICE_MANAGER) was given: it wins over the mode pool.json records.</summary>
    public bool ServiceManagerGiven { get; init; }

    /// <summary>The in-cluster mode (--kubernetes): the start is decided from the Node; null off it.</summary>
    public KubernetesOptions? Kubernetes { get; init; }

    public static readonly TimeSpan DefaultResync = TimeSpan.FromSeconds(60);

    public static readonly TimeSpan DefaultCloudCheck = TimeSpan.FromMinutes(10);

    public static readonly ListenAddress DefaultListen = new(IPAddress.Loopback, 9092);

    /// <summary>Upstream's daemon default <c>:9092</c>, every address, used when the command is run as <c>daemon</c>.</summary>
    public static readonly ListenAddress UpstreamListen = new(IPAddress.Any, 9092);

    /// <summary>--skip-iptables: no reconcile of this run plans the iptables step (nothing written, repaired or removed).</summary>
    public bool SkipIptables { get; init; }

    public string ModeName => Mode switch
    {
        AgentStartMode.Init => "init",
        AgentStartMode.Adopt => "adopt",
        _ => "serve",
    };
}
