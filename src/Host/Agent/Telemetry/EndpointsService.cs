using CocoonNet.Host.Operations;
using Microsoft.Extensions.Hosting;

namespace CocoonNet.Host.Agent.Telemetry;

/// <summary>
/// Serves the agent's endpoints for the host's lifetime. Registered before the agent loop, so the address is bound
/// before anything on the node changes: a taken <c>--listen</c> address ends the agent with one line (exit 2).
/// </summary>
internal sealed class EndpointsService(AgentTelemetry telemetry) : BackgroundService
{
    public override Task StartAsync(CancellationToken cancellationToken)
    {
        try
        {
            telemetry.Start();
        }
        catch (EndpointsException e)
        {
            throw new UsageException(e.Message);
        }

        return base.StartAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await telemetry.ServeAsync(stoppingToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }
}
