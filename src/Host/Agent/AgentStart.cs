using CocoonNet.Host.Operations;
using CocoonNet.Node.State;

namespace CocoonNet.Host.Agent;

/// <summary>
/// The agent's first reconcile. With <c>--mode init|adopt</c> it is exactly that command (the same operation, so
/// idempotent: a node already set up changes nothing); without, a full reconcile of the node in pool.json.
/// </summary>
internal sealed class AgentStart(InitOperation init, AdoptOperation adopt, InMemoryNode node)
{
    public async Task RunAsync(AgentOptions options, CancellationToken cancellationToken)
    {
        int exit;
        try
        {
            exit = options.Mode switch
            {
                AgentStartMode.Init => await init.RunAsync(options.Request!, cancellationToken).ConfigureAwait(false),
                AgentStartMode.Adopt => await adopt.RunAsync(options.Request!, cancellationToken).ConfigureAwait(false),
                _ => await ServeRecordedAsync(options, cancellationToken).ConfigureAwait(false),
            };
        }
        catch (PoolStateInvalidException e)
        {
            // Only a person can fix the file: retrying would keep the agent "starting" for ever, unnoticed. Exit 2,
            // like any bad input, which the unit does not restart (RestartPreventExitStatus=2).
            throw new ExitCodeException(ExitCodes.Usage, e.Message);
        }

        if (exit != ExitCodes.Success)
        {
            throw new ExitCodeException(exit, $"agent --mode {options.ModeName} failed (exit {exit})");
        }
    }

    private async Task<int> ServeRecordedAsync(AgentOptions options, CancellationToken cancellationToken)
    {
        node.CheckRecorded();
        return await node.ReconcileAsync(null, cancellationToken).ConfigureAwait(false)
            ? ExitCodes.Success
            : throw NoState(options.StateDirectory);
    }

    /// <summary>The agent without --mode on a node never set up (or torn down): exit 4, as status.</summary>
    public static ExitCodeException NoState(string stateDirectory) =>
        new(ExitCodes.NoState,
            $"no pool state at {Path.Combine(stateDirectory, PoolStateStore.FileName)}: set the node up first "
            + "('cocoon-net agent --mode adopt|init' with the node flags, or 'cocoon-net adopt|init')");
}
