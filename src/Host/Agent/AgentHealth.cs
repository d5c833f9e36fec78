namespace CocoonNet.Host.Agent;

/// <summary>The agent's health as its loop keeps it: ready once a reconcile succeeded, until one fails (cloud drift is reported, not counted).</summary>
internal sealed class AgentHealth : IAgentHealth
{
    private volatile string _reason = "starting: the first reconcile has not finished";

    public bool Ready => _reason.Length == 0;

    public string Reason => _reason;

    public void Set(string reason) => _reason = reason;
}
