using System.Net;
using System.Text;
using Microsoft.Extensions.Logging;

namespace CocoonNet.Host.Agent.Telemetry;

/// <summary>
/// The agent's HTTP endpoints: <c>/metrics</c> (Prometheus text format), <c>/healthz</c> (200 while the process
/// serves) and <c>/readyz</c> (200 when ready, else 503 with the reason); any other path is 404.
/// <see cref="HttpListener"/> rather than Kestrel: three tiny read-only answers do not need ASP.NET Core, whose
/// shared framework would add tens of MiB to the self-contained one-file build and time to every start, and the
/// same binary is also the short-lived CLI.
/// </summary>
internal sealed class AgentEndpoints(ListenAddress address, AgentMetrics metrics, IAgentHealth health, ILogger<AgentEndpoints> logger)
    : IDisposable
{
    private const string MetricsContentType = "text/plain; version=0.0.4; charset=utf-8";
    private readonly HttpListener _listener = new();

    public ListenAddress Address => address;

    /// <summary>Binds the address; throws <see cref="EndpointsException"/> with one line when it cannot (address in use, not local).</summary>
    public void Start()
    {
        _listener.Prefixes.Add(address.Prefix);
        try
        {
            _listener.Start();
        }
        catch (HttpListenerException e)
        {
            throw new EndpointsException($"cannot listen on {address}: {e.Message}; choose another address with --listen", e);
        }

        logger.Listening(address);
    }

    /// <summary>Answers requests until <paramref name="cancellationToken"/> is cancelled, then stops listening.</summary>
    public async Task ServeAsync(CancellationToken cancellationToken)
    {
        if (!_listener.IsListening)
        {
            Start();
        }

        var inFlight = new List<Task>();
        // GetContextAsync takes no token: stopping the listener is what ends the wait.
        using (cancellationToken.Register(_listener.Stop))
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                HttpListenerContext context;
                try
                {
                    context = await _listener.GetContextAsync().ConfigureAwait(false);
                }
                catch (Exception e) when (cancellationToken.IsCancellationRequested && e is HttpListenerException or ObjectDisposedException or InvalidOperationException)
                {
                    break;
                }

                // Each answer on its own: a slow scraper must not hold up a readiness probe.
                inFlight.RemoveAll(t => t.IsCompleted);
                inFlight.Add(AnswerAsync(context, cancellationToken));
            }
        }

        await Task.WhenAll(inFlight).ConfigureAwait(false);
    }

    public void Dispose() => ((IDisposable)_listener).Dispose();

    private async Task AnswerAsync(HttpListenerContext context, CancellationToken cancellationToken)
    {
        var response = context.Response;
        var path = context.Request.Url?.AbsolutePath ?? "/";
        try
        {
            if (context.Request.HttpMethod is not ("GET" or "HEAD"))
            {
                response.Headers["Allow"] = "GET, HEAD";
                await WriteAsync(context, HttpStatusCode.MethodNotAllowed, "only GET and HEAD\n", cancellationToken).ConfigureAwait(false);
                return;
            }

            switch (path)
            {
                case "/metrics":
                    // Rendered whole before the status is sent, so a failure is a 500, not a truncated 200.
                    using (var buffer = new MemoryStream())
                    {
                        await metrics.ExportAsync(buffer, cancellationToken).ConfigureAwait(false);
                        await WriteAsync(context, HttpStatusCode.OK, buffer.ToArray(), MetricsContentType, cancellationToken).ConfigureAwait(false);
                    }

                    break;
                case "/healthz":
                    await WriteAsync(context, HttpStatusCode.OK, "ok\n", cancellationToken).ConfigureAwait(false);
                    break;
                case "/readyz":
                    var ready = health.Ready;
                    var reason = health.Reason;
                    await WriteAsync(context, ready ? HttpStatusCode.OK : HttpStatusCode.ServiceUnavailable,
                        ready ? "ready\n" : $"not ready: {(reason.Length > 0 ? reason : "no reconcile has succeeded yet")}\n", cancellationToken).ConfigureAwait(false);
                    break;
                default:
                    await WriteAsync(context, HttpStatusCode.NotFound, "not found: try /metrics, /healthz or /readyz\n", cancellationToken).ConfigureAwait(false);
                    break;
            }
        }
        catch (Exception e) when (e is HttpListenerException or IOException or ObjectDisposedException or OperationCanceledException)
        {
            // The scraper went away, or the agent is stopping: nothing to answer.
            logger.AnswerFailed(path, e.Message);
        }
        catch (Exception e) when (e is InvalidOperationException)
        {
            logger.AnswerFailed(path, e.Message);
            response.StatusCode = (int)HttpStatusCode.InternalServerError;
        }
        finally
        {
            response.Close();
        }
    }

    private static Task WriteAsync(HttpListenerContext context, HttpStatusCode status, string text, CancellationToken cancellationToken) =>
        WriteAsync(context, status, Encoding.UTF8.GetBytes(text), "text/plain; charset=utf-8", cancellationToken);

    private static async Task WriteAsync(
        HttpListenerContext context, HttpStatusCode status, byte[] body, string contentType, CancellationToken cancellationToken)
    {
        var head = context.Request.HttpMethod == "HEAD";
        var response = context.Response;
        response.StatusCode = (int)status;
        response.ContentType = contentType;
        response.ContentLength64 = body.Length;
        // HEAD: the headers of GET (the same length), no body.
        if (!head)
        {
            await response.OutputStream.WriteAsync(body, cancellationToken).ConfigureAwait(false);
        }
    }
}

/// <summary>The endpoints could not start; the message is one line for the operator.</summary>
internal sealed class EndpointsException(string message, Exception inner) : Exception(message, inner);
