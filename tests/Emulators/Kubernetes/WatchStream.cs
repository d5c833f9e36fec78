using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;

namespace CocoonNet.Emulators.Kubernetes;

/// <summary>
/// ?watch=true: newline-delimited {"type": ..., "object": ...} events on one chunked response (api-concepts,
/// "Efficient detection of changes"). A resourceVersion older than the kept history gets one ERROR event holding a
/// Status 410 "Expired" and the stream ends ("the server will send an ERROR event ... 410 Gone"); timeoutSeconds
/// ends the stream cleanly; allowWatchBookmarks=true adds BOOKMARK events (only metadata.resourceVersion set).
/// </summary>
internal static class WatchStream
{
    public static async Task RunAsync(HttpContext context, Store store, EmulatorOptions options, ApiPath at, Selector selector)
    {
        var query = context.Request.Query;
        var timeout = int.TryParse(query["timeoutSeconds"], NumberStyles.None, CultureInfo.InvariantCulture, out var t) && t > 0
            ? TimeSpan.FromSeconds(t)
            : TimeSpan.FromMinutes(30); // the apiserver's default --min-request-timeout is 1800 s
        var bookmarks = query["allowWatchBookmarks"].ToString() is "true" or "1";
        var dropAfter = context.Items.TryGetValue(WatchDropRule.ItemKey, out var d) ? (int?)d : null;

        // A field selector on metadata.name watches one object in one place; only the path limits the namespace.
        var (watcher, backlog) = store.Watch(at.Resource, at.Namespace, selector, query["resourceVersion"]);
        var response = context.Response;
        response.StatusCode = 200;
        response.ContentType = "application/json";
        await response.StartAsync(context.RequestAborted).ConfigureAwait(false);
        await response.Body.FlushAsync(context.RequestAborted).ConfigureAwait(false);
        if (watcher is null)
        {
            var expired = KubeStatus.Failure(410, "Expired", $"too old resource version: {query["resourceVersion"]} ({store.ResourceVersion})");
            await WriteAsync(context, "ERROR", expired).ConfigureAwait(false);
            return;
        }

        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted);
        deadline.CancelAfter(timeout);
        var sent = 0;
        try
        {
            if (dropAfter == 0)
            {
                context.Abort();
                return;
            }

            foreach (var change in backlog)
            {
                await WriteAsync(context, change.Type, change.Object).ConfigureAwait(false);
                if (++sent == dropAfter)
                {
                    await DropAsync(context).ConfigureAwait(false);
                    return;
                }
            }

            var reader = watcher.Changes.Reader;
            while (!deadline.IsCancellationRequested)
            {
                using var idle = CancellationTokenSource.CreateLinkedTokenSource(deadline.Token);
                if (bookmarks)
                {
                    idle.CancelAfter(TimeSpan.FromSeconds(options.BookmarkSeconds));
                }

                Change change;
                try
                {
                    if (!await reader.WaitToReadAsync(idle.Token).ConfigureAwait(false))
                    {
                        return; // the store was reset: the watch ends as when the apiserver restarts
                    }

                    change = await reader.ReadAsync(idle.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (!deadline.IsCancellationRequested)
                {
                    var bookmark = new JsonObject
                    {
                        ["kind"] = at.Resource.Kind,
                        ["apiVersion"] = at.Resource.ApiVersion,
                        ["metadata"] = new JsonObject { ["resourceVersion"] = store.ResourceVersion.ToString(CultureInfo.InvariantCulture) },
                    };
                    await WriteAsync(context, "BOOKMARK", bookmark).ConfigureAwait(false);
                    continue;
                }

                await WriteAsync(context, change.Type, change.Object).ConfigureAwait(false);
                if (++sent == dropAfter)
                {
                    await DropAsync(context).ConfigureAwait(false);
                    return;
                }
            }
        }
        catch (OperationCanceledException)
        {
            // timeoutSeconds passed or the client went away: the stream ends.
        }
        finally
        {
            store.Unwatch(watcher);
        }
    }

    /// <summary>
    /// Closes the connection mid-stream (no end of the chunked body), once the client has had the events already
    /// written: a reset right behind them could discard them from the client's receive buffer.
    /// </summary>
    private static async Task DropAsync(HttpContext context)
    {
        await Task.Delay(TimeSpan.FromMilliseconds(300), context.RequestAborted).ConfigureAwait(false);
        context.Abort();
    }

    private static async Task WriteAsync(HttpContext context, string type, JsonObject obj)
    {
        var line = new JsonObject { ["type"] = type, ["object"] = obj.DeepClone() }.ToJsonString() + "\n";
        await context.Response.Body.WriteAsync(Encoding.UTF8.GetBytes(line), context.RequestAborted).ConfigureAwait(false);
        await context.Response.Body.FlushAsync(context.RequestAborted).ConfigureAwait(false);
    }
}
