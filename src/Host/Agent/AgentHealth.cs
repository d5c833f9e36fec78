namespace CocoonNet.Host.Agent;

/// <summary>The agent's health as its loop keeps it: ready once a reconcile succeeded and the drift watch is on, until one fails or DHCP is down (cloud drift is reported, not counted).</summary>
internal sealed class AgentHealth : IAgentHealth
{
    /// <summary>How a reason saying that DHCP is down begins (the Node's condition reason DhcpDown).</summary>
    public const string DhcpDown = "DHCP down";

    private volatile string _reason = "starting: the first reconcile has not finished";

    public bool Ready => _reason.Length == 0;

    public string Reason => _reason;

    public void Set(string reason) => _reason = reason;
}
