using CocoonNet.Node.Leases;
using Microsoft.Extensions.Hosting;

namespace CocoonNet.Host.Agent.Leases;

/// <summary>
/// Runs the dnsmasq lease mirror on a dnsmasq node. The backend is known once the agent has read pool.json (an
/// agent started with <c>--mode</c> writes it first), so this waits for that; on an embedded node the mirror never
/// starts (the embedded server writes leases.json itself).
/// </summary>
internal sealed class DnsmasqLeaseMirrorService(InMemoryNode node, DnsmasqLeaseMirror mirror, TimeProvider time) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            var state = node.State;
            while (state is null)
            {
                await Task.Delay(DnsmasqLeaseMirror.PollInterval, time, stoppingToken).ConfigureAwait(false);
                state = node.State;
            }

            if (state.DhcpBackend == DhcpBackend.Dnsmasq)
            {
                await mirror.RunAsync(stoppingToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }
}
