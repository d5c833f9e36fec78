using System.Buffers;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;

namespace CocoonNet.Host.Agent.Telemetry;

/// <summary>
/// A minimal HTTP/1.1 server on a socket, with the limits of <see cref="HttpLimits"/>: one request per connection,
/// a deadline for the head and one for the answer, a size cap on the head, and a cap on open connections (the
/// oldest is closed to admit a new one). Hand-written because <see cref="HttpListener"/> has no connection cap and
/// no settable header timeout on Linux, and Kestrel would bring the ASP.NET Core shared framework into a binary
/// that is also the short-lived CLI, for a few tiny answers. Listens on TCP (the endpoints' <see cref="ListenAddress"/>)
/// or on a Unix socket (the lease control socket).
/// </summary>
internal sealed class SocketHttpServer(EndPoint endpoint, Func<HttpRequestHead, CancellationToken, Task<HttpAnswer>> answer, ILogger logger)
    : IDisposable
{
    public SocketHttpServer(ListenAddress address, Func<HttpRequestHead, CancellationToken, Task<HttpAnswer>> answer, ILogger logger)
        : this(new IPEndPoint(address.Address, address.Port), answer, logger)
    {
    }

    private const int SolSocket = 1;
    private const int SoReuseAddr = 2;
    private readonly LinkedList<Connection> _open = new();
    private Socket? _listener;
    private bool _acceptFailing;

    private sealed class Connection(Socket socket, CancellationTokenSource deadline) : IDisposable
    {
        public Socket Socket { get; } = socket;

        public CancellationTokenSource Deadline { get; } = deadline;

        public Task Served { get; set; } = Task.CompletedTask;

        public void Dispose()
        {
            Socket.Dispose();
            Deadline.Dispose();
        }
    }

    /// <summary>
    /// Binds and listens; a <see cref="SocketException"/> says why it cannot (address in use, not local).
    /// <paramref name="bound"/> runs between bind and listen, when no client can connect yet (a Unix socket's mode).
    /// </summary>
    public void Start(Action? bound = null)
    {
        var unix = endpoint is UnixDomainSocketEndPoint;
        var socket = unix
            ? new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified)
            : new Socket(endpoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            if (endpoint.AddressFamily == AddressFamily.InterNetworkV6)
            {
                socket.DualMode = true;
            }

            // SO_REUSEADDR alone: a restart must not wait for the last run's connections (closed by the server
            // first) to leave TIME_WAIT. Not SocketOptionName.ReuseAddress, which on Linux also sets SO_REUSEPORT
            // and would let a second agent bind the same port. (A Unix socket has no TIME_WAIT.)
            if (!unix)
            {
                socket.SetRawSocketOption(SolSocket, SoReuseAddr, BitConverter.GetBytes(1));
            }

            socket.Bind(endpoint);
            bound?.Invoke();
            socket.Listen(HttpLimits.Backlog);
        }
        catch
        {
            socket.Dispose();
            throw;
        }

        _listener = socket;
    }

    public bool IsListening => _listener is not null;

    /// <summary>Accepts until <paramref name="cancellationToken"/> is cancelled, then closes every connection.</summary>
    public async Task ServeAsync(CancellationToken cancellationToken)
    {
        var listener = _listener ?? throw new InvalidOperationException("not started");
        while (!cancellationToken.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await listener.AcceptAsync(cancellationToken).ConfigureAwait(false);
                _acceptFailing = false;
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                break;
            }
            catch (SocketException e)
            {
                // Out of descriptors (or a connection reset before it was accepted): wait, never end the agent.
                if (!_acceptFailing)
                {
                    logger.AcceptFailed(e.Message);
                    _acceptFailing = true;
                }

                try
                {
                    await Task.Delay(TimeSpan.FromMilliseconds(100), cancellationToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    break;
                }

                continue;
            }

            Admit(client, cancellationToken);
        }

        Task[] left;
        lock (_open)
        {
            left = [.. _open.Select(c => c.Served)];
        }

        await Task.WhenAll(left).ConfigureAwait(false);
    }

    public void Dispose()
    {
        _listener?.Dispose();
        lock (_open)
        {
            foreach (var connection in _open)
            {
                connection.Deadline.Cancel();
            }
        }
    }

    private void Admit(Socket client, CancellationToken stopping)
    {
        var deadline = CancellationTokenSource.CreateLinkedTokenSource(stopping);
        deadline.CancelAfter(HttpLimits.HeadTimeout);
        var connection = new Connection(client, deadline);
        LinkedListNode<Connection> node;
        lock (_open)
        {
            if (_open.Count >= HttpLimits.MaxConnections && _open.First is { } oldest)
            {
                _open.RemoveFirst();
                oldest.Value.Deadline.Cancel();
            }

            node = _open.AddLast(connection);
        }

        // Each connection on its own task: the accept loop only accepts, whatever a client does.
        connection.Served = Task.Run(() => ServeOneAsync(node), CancellationToken.None);
    }

    private async Task ServeOneAsync(LinkedListNode<Connection> node)
    {
        var connection = node.Value;
        var path = "";
        try
        {
            var (outcome, head) = await ReadHeadAsync(connection).ConfigureAwait(false);
            if (outcome == HeadRead.Gone)
            {
                return; // closed by the client, or the deadline passed
            }

            connection.Deadline.CancelAfter(HttpLimits.AnswerTimeout);
            var token = connection.Deadline.Token;
            HttpAnswer reply;
            if (head is not null)
            {
                path = head.Path;
                try
                {
                    reply = await answer(head, token).ConfigureAwait(false);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    // A failing answer (an exporter callback, a file it reads) is that request's 500, never an
                    // unanswered connection or an unobserved task.
                    logger.AnswerFailed(path, e.Message);
                    reply = HttpAnswer.Text(HttpStatusCode.InternalServerError, "internal error\n");
                }
            }
            else
            {
                reply = outcome == HeadRead.TooLarge
                    ? HttpAnswer.Text(HttpStatusCode.RequestHeaderFieldsTooLarge, "request head too large\n")
                    : HttpAnswer.Text(HttpStatusCode.BadRequest, "bad request\n");
            }

            await connection.Socket.SendAsync(reply.Head(), SocketFlags.None, token).ConfigureAwait(false);
            if (head?.Method != "HEAD" && reply.Body.Length > 0)
            {
                await connection.Socket.SendAsync(reply.Body, SocketFlags.None, token).ConfigureAwait(false);
            }

            connection.Socket.Shutdown(SocketShutdown.Send);
        }
        catch (Exception e) when (e is SocketException or IOException or ObjectDisposedException or OperationCanceledException)
        {
            // The client went away, was too slow, or the agent is stopping: nothing more to say to it.
            if (path.Length > 0)
            {
                logger.AnswerFailed(path, e.Message);
            }
        }
        finally
        {
            lock (_open)
            {
                if (node.List is not null)
                {
                    _open.Remove(node);
                }
            }

            connection.Dispose();
        }
    }

    private enum HeadRead
    {
        Gone,
        Malformed,
        TooLarge,
        Complete,
    }

    /// <summary>Reads until the head is complete, malformed or too large, or the client closes or the deadline passes (gone).</summary>
    private static async Task<(HeadRead, HttpRequestHead?)> ReadHeadAsync(Connection connection)
    {
        var token = connection.Deadline.Token;
        try
        {
            // Wait for the first byte without a buffer: an idle connection holds no memory of ours.
            await connection.Socket.ReceiveAsync(Memory<byte>.Empty, SocketFlags.None, token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            return (HeadRead.Gone, null);
        }

        var buffer = ArrayPool<byte>.Shared.Rent(HttpLimits.MaxHeadBytes);
        try
        {
            var filled = 0;
            while (filled < HttpLimits.MaxHeadBytes)
            {
                int received;
                try
                {
                    received = await connection.Socket.ReceiveAsync(buffer.AsMemory(filled, HttpLimits.MaxHeadBytes - filled), SocketFlags.None, token)
                        .ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return (HeadRead.Gone, null);
                }

                if (received == 0)
                {
                    return (HeadRead.Gone, null);
                }

                filled += received;
                var outcome = HttpRequestHead.TryParse(buffer.AsSpan(0, filled), out var head);
                switch (outcome)
                {
                    case HttpRequestHead.Outcome.Complete:
                        return (HeadRead.Complete, head);
                    case HttpRequestHead.Outcome.Malformed:
                        return (HeadRead.Malformed, null);
                }
            }

            return (HeadRead.TooLarge, null);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
