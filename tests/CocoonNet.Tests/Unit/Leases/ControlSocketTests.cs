using System.Net.Sockets;
using System.Text;
using CocoonNet.Host.Agent.Leases;
using Microsoft.Extensions.Logging.Abstractions;

namespace CocoonNet.Tests.Unit.Leases;

/// <summary>The control socket on disk: its modes, what it replaces and what it refuses, HTTP over it, removal at stop.</summary>
public sealed class ControlSocketTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("cocoon-net-control-").FullName;
    private readonly FakeLeases _leases = new();

    private string SocketPath => Path.Combine(_directory, "run", "cocoon-net", "control.sock");

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private ControlSocket NewSocket() => new(SocketPath, () => _leases, NullLogger.Instance);

    [Fact]
    public async Task Serves_http_on_a_0600_socket_in_a_0750_directory_and_removes_it_at_stop()
    {
        using var socket = NewSocket();
        socket.Start();
        using var stop = new CancellationTokenSource();
        var serving = socket.ServeAsync(stop.Token);

        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(SocketPath));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.GroupExecute,
            File.GetUnixFileMode(Path.GetDirectoryName(SocketPath)!));
        var reply = await RequestAsync(SocketPath, "DELETE /v1/leases/52:54:00:ab:cd:01 HTTP/1.1\r\nHost: cocoon-net\r\n\r\n");
        Assert.StartsWith("HTTP/1.1 204 No Content\r\n", reply, StringComparison.Ordinal);
        Assert.Equal(["52:54:00:ab:cd:01"], _leases.Released);
        Assert.StartsWith("HTTP/1.1 405 ", await RequestAsync(SocketPath, "PUT /v1/leases/52:54:00:ab:cd:01 HTTP/1.1\r\n\r\n"), StringComparison.Ordinal);

        await stop.CancelAsync();
        await serving.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.False(File.Exists(SocketPath) || Path.Exists(SocketPath), "the socket outlived the agent");
    }

    [Fact]
    public void A_stale_socket_is_replaced()
    {
        Directory.CreateDirectory(Path.GetDirectoryName(SocketPath)!);
        using (var stale = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified))
        {
            stale.Bind(new UnixDomainSocketEndPoint(SocketPath)); // bound, never listening: what a killed agent leaves
        }

        using var socket = NewSocket();
        socket.Start();

        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(SocketPath));
    }

    [Fact]
    public void A_regular_file_at_the_path_is_refused_and_kept()
    {
        Directory.CreateDirectory(Path.GetDirectoryName(SocketPath)!);
        File.WriteAllText(SocketPath, "precious");

        using var socket = NewSocket();
        var error = Assert.Throws<ControlSocketException>(socket.Start);

        Assert.Equal($"cannot serve the lease control socket {SocketPath}: {SocketPath} is a regular file, not a socket: remove or rename it (the agent tries again every 10 s)",
            error.Message);
        Assert.Equal("precious", File.ReadAllText(SocketPath));
    }

    [Fact]
    public void A_socket_another_process_serves_is_refused()
    {
        using var first = NewSocket();
        first.Start();

        using var second = NewSocket();
        var error = Assert.Throws<ControlSocketException>(second.Start);

        Assert.Contains("is served by another process", error.Message, StringComparison.Ordinal);
    }

    private static async Task<string> RequestAsync(string path, string request)
    {
        using var client = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await client.ConnectAsync(new UnixDomainSocketEndPoint(path), deadline.Token);
        await client.SendAsync(Encoding.ASCII.GetBytes(request), SocketFlags.None, deadline.Token);
        var received = new MemoryStream();
        var buffer = new byte[4096];
        int read;
        while ((read = await client.ReceiveAsync(buffer, SocketFlags.None, deadline.Token)) > 0)
        {
            received.Write(buffer, 0, read);
        }

        return Encoding.UTF8.GetString(received.ToArray());
    }
}
