using System.Net;
using System.Net.Sockets;
using System.Text;
using CocoonNet.Host.Kubernetes;
using k8s;
using Microsoft.Extensions.Logging.Abstractions;

namespace CocoonNet.Kubernetes.Tests.Agent;

/// <summary>A watch whose connection goes silent (no event, no end, no reset) is given up and listed again.</summary>
public sealed class WatchSilenceTests
{
    [Fact]
    public async Task A_silent_watch_is_listed_and_watched_again_after_its_limit()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var gets = 0;
        var watches = 0;
        var connections = new List<TcpClient>();
        // A server that answers GET of the node and opens every watch (200, chunked) but never sends a byte more.
        var serving = Task.Run(async () =>
        {
            while (!cts.IsCancellationRequested)
            {
                var client = await listener.AcceptTcpClientAsync(cts.Token);
                lock (connections)
                {
                    connections.Add(client);
                }

                _ = Task.Run(async () =>
                {
                    var stream = client.GetStream();
                    var buffer = new byte[8192];
                    var text = new StringBuilder();
                    while (true)
                    {
                        var read = await stream.ReadAsync(buffer, cts.Token);
                        if (read == 0)
                        {
                            return;
                        }

                        text.Append(Encoding.ASCII.GetString(buffer, 0, read));
                        var end = text.ToString().IndexOf("\r\n\r\n", StringComparison.Ordinal);
                        if (end < 0)
                        {
                            continue;
                        }

                        var request = text.ToString()[..end];
                        text.Remove(0, end + 4);
                        if (request.Contains("watch=true", StringComparison.Ordinal))
                        {
                            Interlocked.Increment(ref watches);
                            await stream.WriteAsync(Encoding.ASCII.GetBytes("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"), cts.Token);
                            continue; // silent from here on
                        }

                        var n = Interlocked.Increment(ref gets);
                        var body = "{\"apiVersion\":\"v1\",\"kind\":\"Node\",\"metadata\":{\"name\":\"n1\",\"uid\":\"u1\",\"resourceVersion\":\"" + n
                            + "\",\"annotations\":{\"get\":\"" + n + "\"}}}";
                        await stream.WriteAsync(Encoding.ASCII.GetBytes(
                            $"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {body.Length}\r\n\r\n{body}"), cts.Token);
                    }
                });
            }
        });

        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        using var api = new KubernetesNodeApi(
            new k8s.Kubernetes(new KubernetesClientConfiguration { Host = $"http://127.0.0.1:{port}", HttpClientTimeout = Timeout.InfiniteTimeSpan }),
            TimeProvider.System, NullLogger.Instance)
        { WatchLimit = TimeSpan.FromSeconds(2) };
        var seen = new List<string>();
        try
        {
            await foreach (var node in api.WatchNodeAsync("n1", cts.Token))
            {
                seen.Add(node.Annotations["get"]);
                if (seen.Count == 2)
                {
                    break;
                }
            }
        }
        finally
        {
            await cts.CancelAsync();
            listener.Stop();
            lock (connections)
            {
                connections.ForEach(c => c.Dispose());
            }

            await Task.WhenAny(serving, Task.Delay(2000, CancellationToken.None));
        }

        Assert.Equal(["1", "2"], seen);
        Assert.True(watches >= 1);
    }
}
