using System.Net;
using System.Net.Sockets;
using CocoonNet.Host.Agent;

namespace CocoonNet.Tests.Unit.Telemetry;

/// <summary>What the listener's tests share: a free loopback port and a health that is always ready.</summary>
internal static class ListenerTestKit
{
    /// <summary>A loopback port nothing listens on right now (the kernel's pick, released at once).</summary>
    public static int FreeLoopbackPort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }

    public sealed class AlwaysReady : IAgentHealth
    {
        public bool Ready => true;

        public string Reason => "";
    }
}
