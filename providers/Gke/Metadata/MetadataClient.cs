using System.Net;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CocoonNet.Providers.Gke.Metadata;

/// <summary>
/// The GCE metadata server. Every request carries <c>Metadata-Flavor: Google</c> and every answer must carry
/// it back: anything else (a captive portal, a proxy, another cloud's server on the same address) is not GCE.
/// </summary>
internal sealed class MetadataClient(HttpClient http, IOptions<GkeOptions> options, TimeProvider time, ILogger<MetadataClient> logger)
{
    public const string FlavorHeader = "Metadata-Flavor";
    public const string Flavor = "Google";

    private static readonly TimeSpan ProbeTimeout = TimeSpan.FromMilliseconds(800);
    private static readonly TimeSpan ReadTimeout = TimeSpan.FromSeconds(3);

    /// <summary>Detection: the server root answers 200 with the flavor header. Two quick tries.</summary>
    public async Task<bool> IsAvailableAsync(CancellationToken cancellationToken)
    {
        var root = options.Value.MetadataBase();
        for (var attempt = 1; attempt <= 2; attempt++)
        {
            try
            {
                var (status, _, flavored) = await GetOnceAsync(root, ProbeTimeout, cancellationToken).ConfigureAwait(false);
                logger.MetadataProbe(root.Authority, (int)status, flavored);
                return status == HttpStatusCode.OK && flavored;
            }
            catch (Exception e) when (e is HttpRequestException or TimeoutException && !cancellationToken.IsCancellationRequested)
            {
                logger.MetadataProbeFailed(root.Authority, attempt, e.Message);
            }
        }

        return false;
    }

    /// <summary>A value under <c>/computeMetadata/v1/</c>, trimmed. Retries transient failures twice.</summary>
    public async Task<string> GetAsync(string path, CancellationToken cancellationToken)
    {
        var uri = new Uri(options.Value.MetadataBase(), "computeMetadata/v1/" + path);
        Exception? last = null;
        for (var attempt = 1; attempt <= 3; attempt++)
        {
            try
            {
                var (status, body, flavored) = await GetOnceAsync(uri, ReadTimeout, cancellationToken).ConfigureAwait(false);
                if (!flavored)
                {
                    throw new GkeException($"metadata {path}: the answer from {uri.Authority} lacks '{FlavorHeader}: {Flavor}'; this is not a GCE metadata server");
                }

                if (status == HttpStatusCode.OK)
                {
                    return body.Trim();
                }

                last = new GkeException($"metadata {path}: HTTP {(int)status}");
                if ((int)status < 500)
                {
                    throw last;
                }
            }
            catch (Exception e) when (e is HttpRequestException or TimeoutException && !cancellationToken.IsCancellationRequested)
            {
                last = e;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(200 * attempt), time, cancellationToken).ConfigureAwait(false);
        }

        throw new GkeException(
            $"metadata {path}: no answer from the metadata server at {uri.Authority} ({last?.Message}); is this a GCE VM? ({GkeOptions.MetadataHostVariable} overrides the address)",
            last!);
    }

    private async Task<(HttpStatusCode Status, string Body, bool Flavored)> GetOnceAsync(Uri uri, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, uri);
        request.Headers.Add(FlavorHeader, Flavor);
        using var deadline = new CancellationTokenSource(timeout, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, deadline.Token);
        try
        {
            using var response = await http.SendAsync(request, linked.Token).ConfigureAwait(false);
            var body = await response.Content.ReadAsStringAsync(linked.Token).ConfigureAwait(false);
            var flavored = response.Headers.TryGetValues(FlavorHeader, out var values) && values.Contains(Flavor, StringComparer.Ordinal);
            return (response.StatusCode, body, flavored);
        }
        catch (OperationCanceledException e) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"no answer within {timeout.TotalMilliseconds:0} ms", e);
        }
    }
}
