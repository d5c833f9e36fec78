using System.Net;
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
    IPEndPoint Listen)
{
    /// <summary>--service-manager (or COCOON_NET_SERVICE_MANAGER) was given: it wins over the mode pool.json records.</summary>
    public bool ServiceManagerGiven { get; init; }

    public static readonly TimeSpan DefaultResync = TimeSpan.FromSeconds(60);

    public static readonly TimeSpan DefaultCloudCheck = TimeSpan.FromMinutes(10);

    public static readonly IPEndPoint DefaultListen = new(IPAddress.Loopback, 9092);

    public string ModeName => Mode switch
    {
        AgentStartMode.Init => "init",
        AgentStartMode.Adopt => "adopt",
        _ => "serve",
    };

    /// <summary><c>HOST:PORT</c> with an IP literal (IPv6 in brackets) or <c>localhost</c>, and a port 1-65535.</summary>
    public static IPEndPoint? ParseListen(string text, out string? problem)
    {
        problem = null;
        var value = text.Trim();
        var colon = value.LastIndexOf(':');
        if (colon > 0 && value[..colon] == "localhost")
        {
            value = "127.0.0.1" + value[colon..];
        }

        var hasPort = colon > 0 && value.LastIndexOf(':') > value.LastIndexOf(']');
        if (!hasPort || !IPEndPoint.TryParse(value, out var endpoint) || endpoint.Port == 0)
        {
            problem = "expected HOST:PORT with an IP address and a port 1-65535, e.g. 127.0.0.1:9092 or [::1]:9092";
            return null;
        }

        return endpoint;
    }
}
