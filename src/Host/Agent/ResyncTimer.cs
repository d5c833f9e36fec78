namespace CocoonNet.Host.Agent;

/// <summary>The full resync every <c>--resync</c> (jittered, so a fleet does not resync in step), the one that reads pool.json again.</summary>
internal sealed class ResyncTimer(AgentOptions options, ReconcileQueue queue, TimeProvider time)
{
    private readonly Random _random = new();

    public async Task RunAsync(CancellationToken stoppingToken)
    {
        while (true)
        {
            await Task.Delay(Durations.Jittered(options.Resync, _random), time, stoppingToken).ConfigureAwait(false);
            await queue.RunAsync(AgentTrigger.Full(), stoppingToken).ConfigureAwait(false);
        }
    }
}
