using System.Net;
using System.Net.Sockets;
using CocoonNet.Host.Agent.Telemetry;
using CocoonNet.Node.Leases;
using CocoonNet.Node.Linux;
using Microsoft.Extensions.Logging;

namespace CocoonNet.Host.Agent.Leases;

/// <summary>
/// The lease control socket vk-cocoon calls when it deletes a VM: HTTP/1.1 over a root-only Unix socket
/// (<see cref="HostPaths.ControlSocket"/>), served by <see cref="SocketHttpServer"/> with its limits.
/// <c>DELETE /v1/leases/{mac}</c> releases (204 whether or not a lease existed: vk-cocoon takes 204 only as success);
/// <c>GET /v1/leases</c> lists. The socket's directory is created 0750, the socket is 0600 from before it listens,
/// a stale socket left by a killed agent is replaced, and anything else at the path is refused, never removed.
/// </summary>
internal sealed class ControlSocket : IDisposable
{
    public const string LeasesPath = "/v1/leases";

    private const UnixFileMode DirectoryMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
        | UnixFileMode.GroupRead | UnixFileMode.GroupExecute;

    private const UnixFileMode SocketMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    private readonly string _path;
    private readonly Func<ILeaseService> _leases;
    private readonly ILogger _logger;
    private readonly SocketHttpServer _server;
    private ulong _inode;

    /// <param name="path">Where the socket is made.</param>
    /// <param name="leases">The backend serving the node's leases, asked at each request (it is known only once the node is read).</param>
    /// <param name="logger">Where failures are reported.</param>
    public ControlSocket(string path, Func<ILeaseService> leases, ILogger logger)
    {
        _path = path;
        _leases = leases;
        _logger = logger;
        _server = new SocketHttpServer(new UnixDomainSocketEndPoint(path), AnswerAsync, logger);
    }

    public string Path => _path;

    /// <summary>Makes and binds the socket; throws <see cref="ControlSocketException"/> (one line) when it cannot.</summary>
    public void Start()
    {
        try
        {
            SafeFile.EnsureDirectory(System.IO.Path.GetDirectoryName(_path)!, DirectoryMode);
            ClearStale();
            _server.Start(bound: () =>
            {
                File.SetUnixFileMode(_path, SocketMode);
                _inode = Posix.TryFacts(_path, out var facts, out _) ? facts.Inode : 0;
            });
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or SocketException)
        {
            throw new ControlSocketException($"cannot serve the lease control socket {_path}: {e.Message}", e);
        }

        _logger.ControlListening(_path);
    }

    /// <summary>Answers until <paramref name="cancellationToken"/> is cancelled, then removes the socket.</summary>
    public async Task ServeAsync(CancellationToken cancellationToken)
    {
        try
        {
            await _server.ServeAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            Dispose();
        }
    }

    public void Dispose()
    {
        _server.Dispose();
        // Only the socket this agent made: a path replaced since (by hand) is not ours to remove.
        if (_inode != 0 && Posix.TryFacts(_path, out var facts, out _) && facts.Kind == FileKind.Socket && facts.Inode == _inode)
        {
            Posix.Unlink(_path);
            _inode = 0;
        }
    }

    /// <summary>The answer to one request; the routes, apart from the socket.</summary>
    internal Task<HttpAnswer> AnswerAsync(HttpRequestHead request, CancellationToken cancellationToken) =>
        Answer(_leases(), request, _logger, cancellationToken);

    internal static async Task<HttpAnswer> Answer(ILeaseService leases, HttpRequestHead request, ILogger logger, CancellationToken cancellationToken)
    {
        if (request.Path == LeasesPath)
        {
            if (request.Method is not ("GET" or "HEAD"))
            {
                return HttpAnswer.Text(HttpStatusCode.MethodNotAllowed, "only GET and HEAD\n", allow: "GET, HEAD");
            }

            try
            {
                var list = await leases.ListAsync(cancellationToken).ConfigureAwait(false);
                return new HttpAnswer(HttpStatusCode.OK, LeaseListJson.Render(list), HttpAnswer.JsonType);
            }
            catch (Exception e) when (e is LeaseReleaseException or IOException or UnauthorizedAccessException)
            {
                return HttpAnswer.Text(HttpStatusCode.InternalServerError, e.Message.ReplaceLineEndings(" ") + "\n");
            }
        }

        if (!request.Path.StartsWith(LeasesPath + "/", StringComparison.Ordinal))
        {
            return HttpAnswer.Text(HttpStatusCode.NotFound, $"not found: try {LeasesPath} or {LeasesPath}/MAC\n");
        }

        if (request.Method != "DELETE")
        {
            return HttpAnswer.Text(HttpStatusCode.MethodNotAllowed, "only DELETE\n", allow: "DELETE");
        }

        var segment = request.Path[(LeasesPath.Length + 1)..];
        if (!MacAddress.TryCanonical(Uri.UnescapeDataString(segment), out var mac))
        {
            return HttpAnswer.Text(HttpStatusCode.BadRequest, "invalid MAC address\n");
        }

        try
        {
            await leases.ReleaseAsync(mac, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is LeaseReleaseException or IOException or UnauthorizedAccessException)
        {
            var reason = e.Message.ReplaceLineEndings(" ");
            logger.ReleaseFailed(mac, reason);
            return HttpAnswer.Text(HttpStatusCode.InternalServerError, reason + "\n");
        }

        return HttpAnswer.NoContent();
    }

    /// <summary>A socket left by an agent that was killed is replaced; anything else at the path is refused.</summary>
    private void ClearStale()
    {
        var kind = Posix.Lstat(_path);
        if (kind == FileKind.Missing)
        {
            return;
        }

        if (kind != FileKind.Socket)
        {
            throw new IOException($"{_path} is {SafeFile.Describe(kind)}, not a socket: remove or rename it (the agent tries again every 10 s)");
        }

        using var probe = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            probe.Connect(new UnixDomainSocketEndPoint(_path));
        }
        catch (SocketException)
        {
            Posix.Unlink(_path); // nobody listens: stale
            return;
        }

        throw new IOException($"{_path} is served by another process (another cocoon-net agent?): stop it first");
    }
}

/// <summary>The control socket could not start; the message is one line for the operator.</summary>
internal sealed class ControlSocketException(string message, Exception inner) : Exception(message, inner);
