namespace CocoonNet.Host.Agent;

/// <summary>No kernel-event repairs: the agent still repairs everything on its full resync.</summary>
internal sealed class NoDriftWatcher : IDriftWatcher
{
    public async IAsyncEnumerable<RepairBatch> WatchAsync(
        DriftScope scope, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await Task.Delay(Timeout.Infinite, cancellationToken).ConfigureAwait(false);
        yield break;
    }
}

/// <summary>No metrics: what the agent reports goes nowhere (until the exporter is wired in).</summary>
internal sealed class NullAgentTelemetry : IAgentTelemetry
{
    public void BuildInfo(string version, string plugin, string pluginVersion)
    {
    }

    public void PoolSize(int ips)
    {
    }

    public void Reconciled(string kind, TimeSpan duration, bool succeeded)
    {
    }

    public void Repaired(string kind)
    {
    }

    public void DhcpRestarted()
    {
    }

    public void Drift(string component, bool drifted)
    {
    }
}

/// <summary>The agent's health as its loop keeps it: ready once a reconcile succeeded, until one fails or the cloud drifts.</summary>
internal sealed class AgentHealth : IAgentHealth
{
    private volatile string _reason = "starting: the first reconcile has not finished";

    public bool Ready => _reason.Length == 0;

    public string Reason => _reason;

    public void Set(string reason) => _reason = reason;
}
