using Microsoft.Extensions.Logging;

namespace CocoonNet.Host.Agent.Telemetry;

/// <summary>
/// The agent's telemetry wired together: the metrics it reports through (<see cref="Metrics"/>, an
/// <see cref="IAgentTelemetry"/>), the bridge that takes in the plugins' cloud calls, and the HTTP endpoints.
/// <see cref="Start"/> binds before the agent reports ready, so a taken <c>--listen</c> address fails the start
/// with one line instead of an agent that looks healthy and cannot be scraped.
/// </summary>
internal sealed class AgentTelemetry : IDisposable
{
    private readonly CloudMeterBridge _bridge;
    private readonly AgentEndpoints _endpoints;

    public AgentTelemetry(ListenAddress listen, string leaseFile, IAgentHealth health, TimeProvider time, ILoggerFactory loggers)
    {
        Metrics = new AgentMetrics(leaseFile, time, loggers.CreateLogger<AgentMetrics>());
        _bridge = new CloudMeterBridge(Metrics);
        _endpoints = new AgentEndpoints(listen, Metrics, health, loggers.CreateLogger<AgentEndpoints>());
    }

    public AgentMetrics Metrics { get; }

    public ListenAddress Address => _endpoints.Address;

    /// <summary>Binds the endpoints; throws <see cref="EndpointsException"/> (one line) when the address is taken.</summary>
    public void Start() => _endpoints.Start();

    /// <summary>Serves until <paramref name="cancellationToken"/> is cancelled.</summary>
    public Task ServeAsync(CancellationToken cancellationToken) => _endpoints.ServeAsync(cancellationToken);

    public void Dispose()
    {
        _endpoints.Dispose();
        _bridge.Dispose();
    }
}
