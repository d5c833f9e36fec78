using System.Net.Sockets;
using CocoonNet.Host.Linux;

namespace CocoonNet.Host.Agent;

/// <summary>
/// One agent per node: a Unix socket bound in the abstract namespace under a name derived from the state directory.
/// A second agent's bind fails; the kernel frees the name when the holder dies (no stale lock file to clean up, and
/// nothing left on disk after teardown). The abstract namespace belongs to the network namespace, as the node does.
/// </summary>
internal sealed class AgentSingleton : IDisposable
{
    private readonly Socket _socket;

    private AgentSingleton(Socket socket) => _socket = socket;

    /// <summary>Null when another agent already serves <paramref name="stateDirectory"/>.</summary>
    public static AgentSingleton? TryAcquire(string stateDirectory)
    {
        var hash = Fnv1a.AddBlock(Fnv1a.Seed, Path.GetFullPath(stateDirectory));
        var socket = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        try
        {
            socket.Bind(new UnixDomainSocketEndPoint($"\0cocoon-net-agent-{hash:x16}"));
            return new AgentSingleton(socket);
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.AddressAlreadyInUse)
        {
            socket.Dispose();
            return null;
        }
    }

    public void Dispose() => _socket.Dispose();
}
