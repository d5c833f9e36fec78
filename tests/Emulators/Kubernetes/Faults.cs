using System.Globalization;

namespace CocoonNet.Emulators.Kubernetes;

/// <summary>The body of POST /_control/faults/fail: the next <c>Count</c> matching requests fail with <c>Status</c>.</summary>
/// <param name="Verb">A Kubernetes verb (get, list, watch, create, update, patch, delete) or null for any.</param>
/// <param name="Path">A path prefix (e.g. /api/v1/nodes/node-1/status) or null for any.</param>
internal sealed record FailureRule(int Status, int Count = 1, string? Verb = null, string? Path = null, int? RetryAfterSeconds = null, string? Message = null)
{
    public int Remaining { get; set; } = Count;
}

/// <summary>The body of POST /_control/faults/watch-drop: the next <c>Count</c> matching watches lose their connection after <c>AfterEvents</c> events.</summary>
internal sealed record WatchDropRule(int AfterEvents = 0, int Count = 1, string? Path = null)
{
    /// <summary>Where the middleware leaves the event count for the watch handler (HttpContext.Items).</summary>
    public const string ItemKey = "kube-emulator.drop-after";

    public int Remaining { get; set; } = Count;
}

/// <summary>One API request as the log keeps it.</summary>
internal sealed record RequestRecord(string Verb, string Method, string Path, string Query, int Status);

/// <summary>
/// Injected trouble and the request log. Failures answer a Status object with the code's reason (API conventions:
/// 409 Conflict, 429 TooManyRequests with a Retry-After header and details.retryAfterSeconds, 500 InternalError, 503
/// ServiceUnavailable); "unreachable" aborts every API connection without an answer (as a dead apiserver or a
/// dropped network path looks to the client); latency delays every API answer.
/// </summary>
internal sealed class Faults
{
    private readonly Lock _lock = new();
    private readonly List<FailureRule> _failures = [];
    private readonly List<WatchDropRule> _drops = [];
    private readonly List<RequestRecord> _log = [];

    public bool Unreachable { get; set; }

    public int LatencyMilliseconds { get; set; }

    public void Add(FailureRule rule)
    {
        lock (_lock)
        {
            _failures.Add(rule);
        }
    }

    public void Add(WatchDropRule rule)
    {
        lock (_lock)
        {
            _drops.Add(rule);
        }
    }

    public void Clear()
    {
        lock (_lock)
        {
            _failures.Clear();
            _drops.Clear();
            Unreachable = false;
            LatencyMilliseconds = 0;
        }
    }

    public void ClearLog()
    {
        lock (_lock)
        {
            _log.Clear();
        }
    }

    public List<RequestRecord> Log()
    {
        lock (_lock)
        {
            return [.. _log];
        }
    }

    /// <summary>Requests per "verb path" (query left out), e.g. "patch /api/v1/nodes/node-1/status".</summary>
    public SortedDictionary<string, int> Counters()
    {
        lock (_lock)
        {
            return new SortedDictionary<string, int>(_log.GroupBy(r => $"{r.Verb} {r.Path}").ToDictionary(g => g.Key, g => g.Count()), StringComparer.Ordinal);
        }
    }

    public static string VerbOf(HttpRequest request)
    {
        var path = ApiPath.Parse(request.Path.Value ?? "");
        var watch = request.Query["watch"].ToString() is "true" or "1";
        return request.Method switch
        {
            "GET" when watch => "watch",
            "GET" when path?.Name is null => "list",
            "GET" => "get",
            "POST" => "create",
            "PUT" => "update",
            "PATCH" => "patch",
            "DELETE" when path?.Name is null => "deletecollection",
            "DELETE" => "delete",
            _ => request.Method.ToLowerInvariant(),
        };
    }

    public async Task Middleware(HttpContext context, RequestDelegate next)
    {
        var path = context.Request.Path.Value ?? "";
        if (path.StartsWith("/_control", StringComparison.Ordinal))
        {
            await next(context).ConfigureAwait(false);
            return;
        }

        var verb = VerbOf(context.Request);
        try
        {
            if (LatencyMilliseconds > 0)
            {
                await Task.Delay(LatencyMilliseconds, context.RequestAborted).ConfigureAwait(false);
            }

            if (Unreachable)
            {
                context.Abort();
                return;
            }

            if (Take(verb, path) is { } failure)
            {
                if (failure.RetryAfterSeconds is { } s)
                {
                    context.Response.Headers.RetryAfter = s.ToString(CultureInfo.InvariantCulture);
                }

                var status = KubeStatus.Failure(failure.Status, KubeStatus.ReasonFor(failure.Status),
                    failure.Message ?? $"injected fault: {failure.Status} {KubeStatus.ReasonFor(failure.Status)}", retryAfterSeconds: failure.RetryAfterSeconds);
                await KubeStatus.Result(status).ExecuteAsync(context).ConfigureAwait(false);
                return;
            }

            if (verb == "watch" && TakeDrop(path) is { } drop)
            {
                context.Items[WatchDropRule.ItemKey] = drop.AfterEvents;
            }

            await next(context).ConfigureAwait(false);
        }
        finally
        {
            lock (_lock)
            {
                _log.Add(new RequestRecord(verb, context.Request.Method, path, context.Request.QueryString.Value ?? "",
                    context.RequestAborted.IsCancellationRequested && !context.Response.HasStarted ? 0 : context.Response.StatusCode));
            }
        }
    }

    private FailureRule? Take(string verb, string path)
    {
        lock (_lock)
        {
            var rule = _failures.FirstOrDefault(f => f.Remaining > 0 && (f.Verb is null || string.Equals(f.Verb, verb, StringComparison.OrdinalIgnoreCase))
                && (f.Path is null || path.StartsWith(f.Path, StringComparison.Ordinal)));
            if (rule is not null)
            {
                rule.Remaining--;
            }

            return rule;
        }
    }

    private WatchDropRule? TakeDrop(string path)
    {
        lock (_lock)
        {
            var rule = _drops.FirstOrDefault(d => d.Remaining > 0 && (d.Path is null || path.StartsWith(d.Path, StringComparison.Ordinal)));
            if (rule is not null)
            {
                rule.Remaining--;
            }

            return rule;
        }
    }
}
