namespace CocoonNet.Host.Agent.Telemetry;

/// <summary>
/// What one client may cost the agent's HTTP listener. Anyone who can reach the port can open connections, so
/// each is bounded in time and size, and their number is capped: memory and descriptors stay bounded and
/// <c>/healthz</c> keeps answering however many connections are held open.
/// </summary>
internal static class HttpLimits
{
    /// <summary>
    /// Connections open at once. At the cap the oldest is closed to admit the new one: held connections cannot
    /// lock probes out, and at a few KiB each 1024 stay far below the pod's memory limit and the fd limit.
    /// </summary>
    public const int MaxConnections = 1024;

    /// <summary>The request line and headers must have arrived this long after connecting (slow-drip and idle alike).</summary>
    public static readonly TimeSpan HeadTimeout = TimeSpan.FromSeconds(10);

    /// <summary>Rendering and sending the answer, after the head arrived.</summary>
    public static readonly TimeSpan AnswerTimeout = TimeSpan.FromSeconds(10);

    /// <summary>Request line and headers together; scrapers and probes send a few hundred bytes.</summary>
    public const int MaxHeadBytes = 8 * 1024;

    /// <summary>Connections the kernel queues before the agent accepts them.</summary>
    public const int Backlog = 512;
}
