using System.Net;
using System.Net.Sockets;
using System.Text;
using CocoonNet.Host.Agent;
using CocoonNet.Host.Agent.Telemetry;
using CocoonNet.Tests.Support;
using Microsoft.Extensions.Logging.Abstractions;
using static CocoonNet.Tests.Unit.Telemetry.ListenerTestKit;

namespace CocoonNet.Tests.Unit.Telemetry;

/// <summary>The listener's limits on loopback: at the connection cap the oldest goes, a head too large or malformed is refused.</summary>
public sealed class ListenerLimitsTests : IAsyncLifetime, IDisposable
{
    private readonly LeaseFixture _leases = new();
    private readonly CancellationTokenSource _stop = new();
    private AgentEndpoints _endpoints = null!;
    private Task _serving = Task.CompletedTask;

    private IPEndPoint Endpoint => new(IPAddress.Loopback, _endpoints.Address.Port);

    public Task InitializeAsync()
    {
        var port = FreeLoopbackPort();

        _endpoints = new AgentEndpoints(new ListenAddress(IPAddress.Loopback, port), _leases.Metrics(), new AlwaysReady(), NullLogger<AgentEndpoints>.Instance);
        _endpoints.Start();
        _serving = _endpoints.ServeAsync(_stop.Token);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await _stop.CancelAsync();
        await _serving.WaitAsync(TimeSpan.FromSeconds(10));
    }

    public void Dispose()
    {
        _endpoints.Dispose();
        _stop.Dispose();
        _leases.Dispose();
    }

    [Fact]
    public async Task At_the_cap_the_oldest_connection_is_closed_and_the_new_one_answered()
    {
        var held = new List<Socket>();
        try
        {
            for (var i = 0; i < HttpLimits.MaxConnections; i++)
            {
                var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                held.Add(socket);
                await socket.ConnectAsync(Endpoint);
            }

            // Let the server take them all in before the one over the cap.
            await Task.Delay(TimeSpan.FromSeconds(1));
            var healthz = await GetAsync("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n", TimeSpan.FromSeconds(1));
            Assert.StartsWith("HTTP/1.1 200 OK\r\n", healthz, StringComparison.Ordinal);

            using var soon = new CancellationTokenSource(TimeSpan.FromSeconds(2));
            Assert.True(await RawHttp.ClosedByPeerAsync(held[0], soon.Token), "the oldest connection was not closed at the cap");
        }
        finally
        {
            held.ForEach(s => s.Dispose());
        }
    }

    [Fact]
    public async Task A_head_over_8_KiB_is_431_and_a_malformed_one_400()
    {
        var large = await GetAsync($"GET /healthz HTTP/1.1\r\nX: {new string('a', HttpLimits.MaxHeadBytes)}\r\n\r\n", TimeSpan.FromSeconds(5));
        Assert.StartsWith("HTTP/1.1 431 ", large, StringComparison.Ordinal);

        var malformed = await GetAsync("HELLO\r\n\r\n", TimeSpan.FromSeconds(5));
        Assert.StartsWith("HTTP/1.1 400 ", malformed, StringComparison.Ordinal);
    }

    private async Task<string> GetAsync(string request, TimeSpan timeout)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        using var deadline = new CancellationTokenSource(timeout);
        await socket.ConnectAsync(Endpoint, deadline.Token);
        var bytes = Encoding.ASCII.GetBytes(request);
        try
        {
            await socket.SendAsync(bytes, SocketFlags.None, deadline.Token);
        }
        catch (SocketException)
        {
            // The server may answer and close before a too-large head is all sent.
        }

        var received = new MemoryStream();
        var buffer = new byte[4096];
        try
        {
            int read;
            while ((read = await socket.ReceiveAsync(buffer, SocketFlags.None, deadline.Token)) > 0)
            {
                received.Write(buffer, 0, read);
            }
        }
        catch (SocketException) when (received.Length > 0)
        {
            // Reset after the answer: the rest of a too-large head was unread.
        }

        return Encoding.ASCII.GetString(received.ToArray());
    }
}
