using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;

namespace CocoonNet.Host.Agent.Telemetry;

/// <summary>
/// The agent's HTTP endpoints: <c>/metrics</c> (Prometheus text format), <c>/healthz</c> (200 while the process
/// serves) and <c>/readyz</c> (200 when ready, else 503 with the reason); any other path is 404. Served by
/// <see cref="SocketHttpServer"/>, whose limits keep held or slow connections from costing more than a bounded
/// amount of memory and descriptors.
/// </summary>
internal sealed class AgentEndpoints : IDisposable
{
    private const string MetricsContentType = "text/plain; version=0.0.4; charset=utf-8";
    private readonly ListenAddress _address;
    private readonly AgentMetrics _metrics;
    private readonly IAgentHealth _health;
    private readonly ILogger<AgentEndpoints> _logger;
    private readonly SocketHttpServer _server;
    // One render at a time: each reads dnsmasq's lease file, and a flood of scrapes must not multiply that.
    private readonly SemaphoreSlim _rendering = new(1, 1);

    public AgentEndpoints(ListenAddress address, AgentMetrics metrics, IAgentHealth health, ILogger<AgentEndpoints> logger)
    {
        _address = address;
        _metrics = metrics;
        _health = health;
        _logger = logger;
        _server = new SocketHttpServer(address, AnswerAsync, logger);
    }

    public ListenAddress Address => _address;

    /// <summary>Binds the address; throws <see cref="EndpointsException"/> with one line when it cannot (address in use, not local).</summary>
    public void Start()
    {
        try
        {
            _server.Start();
        }
        catch (SocketException e)
        {
            throw new EndpointsException($"cannot listen on {_address}: {e.Message}; choose another address with --listen", e);
        }

        _logger.Listening(_address);
    }

    /// <summary>Answers requests until <paramref name="cancellationToken"/> is cancelled, then stops listening.</summary>
    public async Task ServeAsync(CancellationToken cancellationToken)
    {
        if (!_server.IsListening)
        {
            Start();
        }

        try
        {
            await _server.ServeAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            // Frees the port as soon as serving ends, not when the host disposes the agent.
            _server.Dispose();
        }
    }

    public void Dispose()
    {
        _server.Dispose();
        _rendering.Dispose();
    }

    private async Task<HttpAnswer> AnswerAsync(HttpRequestHead request, CancellationToken cancellationToken)
    {
        if (request.Method is not ("GET" or "HEAD"))
        {
            return HttpAnswer.Text(HttpStatusCode.MethodNotAllowed, "only GET and HEAD\n", allow: "GET, HEAD");
        }

        switch (request.Path)
        {
            case "/metrics":
                return await MetricsAsync(cancellationToken).ConfigureAwait(false);
            case "/healthz":
                return HttpAnswer.Text(HttpStatusCode.OK, "ok\n");
            case "/readyz":
                var ready = _health.Ready;
                var reason = _health.Reason;
                return HttpAnswer.Text(ready ? HttpStatusCode.OK : HttpStatusCode.ServiceUnavailable,
                    ready ? "ready\n" : $"not ready: {(reason.Length > 0 ? reason : "no reconcile has succeeded yet")}\n");
            default:
                return HttpAnswer.Text(HttpStatusCode.NotFound, "not found: try /metrics, /healthz or /readyz\n");
        }
    }

    private async Task<HttpAnswer> MetricsAsync(CancellationToken cancellationToken)
    {
        await _rendering.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            using var buffer = new MemoryStream();
            await _metrics.ExportAsync(buffer, cancellationToken).ConfigureAwait(false);
            return new HttpAnswer(HttpStatusCode.OK, buffer.ToArray(), MetricsContentType);
        }
        catch (Exception e) when (e is InvalidOperationException or IOException)
        {
            _logger.AnswerFailed("/metrics", e.Message);
            return HttpAnswer.Text(HttpStatusCode.InternalServerError, "metrics could not be rendered; see the agent's log\n");
        }
        finally
        {
            _rendering.Release();
        }
    }
}

/// <summary>The endpoints could not start; the message is one line for the operator.</summary>
internal sealed class EndpointsException(string message, Exception inner) : Exception(message, inner);
