using System.Net;
using System.Net.Sockets;
using System.Text;

namespace CocoonNet.Tests.Support;

/// <summary>HTTP/1.1 GETs and bare TCP connections from inside a network namespace, with sockets made there.</summary>
internal static class RawHttp
{
    /// <summary>A TCP socket of namespace <paramref name="ns"/>, not yet connected.</summary>
    public static Socket Socket(string ns) =>
        NetworkNamespace.Run(ns, () => new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp));

    /// <summary>The sockets of <paramref name="count"/> connections, made in one move into the namespace.</summary>
    public static List<Socket> Sockets(string ns, int count) =>
        NetworkNamespace.Run(ns, () => Enumerable.Range(0, count).Select(_ => new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp)).ToList());

    /// <summary>GET <paramref name="path"/>: the status code and body, or throws (timeout included) after <paramref name="timeout"/>.</summary>
    public static async Task<(int Status, string Body)> GetAsync(string ns, IPEndPoint endpoint, string path, TimeSpan timeout)
    {
        using var socket = Socket(ns);
        using var deadline = new CancellationTokenSource(timeout);
        await socket.ConnectAsync(endpoint, deadline.Token);
        await socket.SendAsync(Encoding.ASCII.GetBytes($"GET {path} HTTP/1.1\r\nHost: {endpoint}\r\nConnection: close\r\n\r\n"), SocketFlags.None, deadline.Token);
        var received = new MemoryStream();
        var buffer = new byte[4096];
        int read;
        while ((read = await socket.ReceiveAsync(buffer, SocketFlags.None, deadline.Token)) > 0)
        {
            received.Write(buffer, 0, read);
        }

        var text = Encoding.UTF8.GetString(received.ToArray());
        var split = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        var status = int.Parse(text.Split(' ', 3)[1], System.Globalization.CultureInfo.InvariantCulture);
        return (status, split < 0 ? "" : text[(split + 4)..]);
    }

    /// <summary>True when the peer closed <paramref name="socket"/> (end of stream or reset) before <paramref name="deadline"/>.</summary>
    public static async Task<bool> ClosedByPeerAsync(Socket socket, CancellationToken deadline)
    {
        var buffer = new byte[1024];
        try
        {
            while (await socket.ReceiveAsync(buffer, SocketFlags.None, deadline) > 0)
            {
            }

            return true;
        }
        catch (SocketException)
        {
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }
}
