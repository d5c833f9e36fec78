using CocoonNet.Host.Agent.Telemetry;
using CocoonNet.Host.Operations;
using Microsoft.Extensions.Hosting;

namespace CocoonNet.Host.Agent.Leases;

/// <summary>
/// Serves the lease control socket for the host's lifetime. Registered before the agent loop, so the socket exists
/// before the agent reports ready; a path it must not replace ends the agent with one line (exit 2), as a taken
/// <c>--listen</c> address does. Also points the DHCP series of <c>/metrics</c> at the backend serving the node.
/// </summary>
internal sealed class ControlSocketService(ControlSocket socket, LeaseBackends backends, AgentTelemetry telemetry) : BackgroundService
{
    public override Task StartAsync(CancellationToken cancellationToken)
    {
        telemetry.Metrics.DhcpLeaseStats(() => backends.Stats);
        try
        {
            socket.Start();
        }
        catch (ControlSocketException e)
        {
            throw new UsageException(e.Message);
        }

        return base.StartAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await socket.ServeAsync(stoppingToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }
}
