using CocoonNet.Host.Agent.Telemetry;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace CocoonNet.Host.Agent.Leases;

/// <summary>
/// Serves the lease control socket for the host's lifetime. Registered before the agent loop, so the socket exists
/// before the agent reports ready. A path it must not replace (a file someone left there) does not take the node off
/// the network: DHCP and repairs go on, the agent is not ready (<c>/readyz</c>, the Node's condition) with the reason,
/// and the socket is tried again every 10 s until the path is cleared. Also points the DHCP series of
/// <c>/metrics</c> at the backend serving the node.
/// </summary>
internal sealed class ControlSocketService(
    ControlSocket socket, LeaseBackends backends, AgentTelemetry telemetry, AgentStatus status, TimeProvider time,
    ILogger<ControlSocketService> logger) : BackgroundService
{
    public static readonly TimeSpan RetryInterval = TimeSpan.FromSeconds(10);

    private bool _started;

    public override Task StartAsync(CancellationToken cancellationToken)
    {
        telemetry.Metrics.DhcpLeaseStats(() => backends.Stats);
        _started = TryStart();
        return base.StartAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            while (!_started)
            {
                await Task.Delay(RetryInterval, time, stoppingToken).ConfigureAwait(false);
                _started = TryStart();
            }

            await socket.ServeAsync(stoppingToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    private bool TryStart()
    {
        try
        {
            socket.Start();
            status.ControlSocket(null);
            return true;
        }
        catch (ControlSocketException e)
        {
            if (!_reported)
            {
                logger.ControlSocketUnavailable(e.Message, Durations.Format(RetryInterval));
                _reported = true;
            }

            status.ControlSocket(e.Message);
            return false;
        }
    }

    private bool _reported;
}
