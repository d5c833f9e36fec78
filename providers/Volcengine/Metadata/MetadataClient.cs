using System.Net;

namespace CocoonNet.Providers.Volcengine.Metadata;

/// <summary>
/// The ECS instance metadata service (<c>http://100.96.0.96/volcstack/latest/</c>). Token first, as the SDK does
/// (<see cref="MetadataToken"/>): instances whose <c>HttpTokens</c> option is <c>required</c> refuse plain GETs.
/// Plain GETs are used only when the server says it has no token endpoint (404). Values are trimmed; an empty
/// value or a non-200 answer is an error.
/// </summary>
internal sealed class MetadataClient(HttpClient http, VolcengineSettings settings)
{
    private static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(5);

    private readonly Lock _gate = new();

    // One fetch shared by the parallel reads; its result is "" when the server has no token endpoint (plain GETs).
    private Task<string>? _token;

    /// <summary>True when an instance id is served: this is a Volcengine ECS instance.</summary>
    public async Task<bool> DetectAsync(CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromMilliseconds(1500));
        try
        {
            var id = await TryGetAsync("instance_id", timeout.Token).ConfigureAwait(false);
            return id is not null && id.StartsWith("i-", StringComparison.Ordinal);
        }
        catch (Exception e) when (e is HttpRequestException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            return false;
        }
    }

    public async Task<InstanceMetadata> GetInstanceAsync(CancellationToken cancellationToken)
    {
        var id = GetAsync("instance_id", cancellationToken);
        var region = GetAsync("region_id", cancellationToken);
        var zone = GetAsync("availability_zone", cancellationToken);
        var vpc = GetAsync("vpc_id", cancellationToken);
        var type = GetAsync("instance_type", cancellationToken);
        await Task.WhenAll(id, region, zone, vpc, type).ConfigureAwait(false);
        return new InstanceMetadata(await id.ConfigureAwait(false), await region.ConfigureAwait(false), await zone.ConfigureAwait(false),
            await vpc.ConfigureAwait(false), await type.ConfigureAwait(false));
    }

    /// <summary>The metadata base URL, for messages.</summary>
    public Uri BaseUrl => settings.MetadataUrl;

    public async Task<string> GetAsync(string path, CancellationToken cancellationToken) =>
        await TryGetAsync(path, cancellationToken).ConfigureAwait(false)
        ?? throw new InvalidOperationException($"instance metadata {new Uri(settings.MetadataUrl, path)} returned nothing; is this a Volcengine ECS instance?");

    /// <summary>The trimmed value at <paramref name="path"/> (relative to the metadata URL, may carry a query); null when absent (404) or empty.</summary>
    public async Task<string?> TryGetAsync(string path, CancellationToken cancellationToken)
    {
        var url = new Uri(settings.MetadataUrl, path);
        var token = await TokenAsync(null, cancellationToken).ConfigureAwait(false);
        var (status, value) = await SendAsync(url, token, cancellationToken).ConfigureAwait(false);
        if (status is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden && token.Length > 0)
        {
            // The token expired or the server restarted: one fresh token, then the answer stands.
            token = await TokenAsync(token, cancellationToken).ConfigureAwait(false);
            (status, value) = await SendAsync(url, token, cancellationToken).ConfigureAwait(false);
        }

        if (status == HttpStatusCode.NotFound)
        {
            return null;
        }

        if (status != HttpStatusCode.OK)
        {
            throw new HttpRequestException($"instance metadata {url}: HTTP {(int)status}");
        }

        return value.Length == 0 ? null : value;
    }

    /// <summary>The token to send ("" for none); <paramref name="rejected"/> is one the server refused.</summary>
    private Task<string> TokenAsync(string? rejected, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            if (_token is null || _token.IsFaulted || _token.IsCanceled
                || (rejected is not null && _token.IsCompletedSuccessfully && _token.Result == rejected))
            {
                _token = FetchTokenAsync(cancellationToken);
            }

            return _token;
        }
    }

    private async Task<string> FetchTokenAsync(CancellationToken cancellationToken)
    {
        var url = new Uri(settings.MetadataUrl, MetadataToken.Path);
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        request.Headers.Add(MetadataToken.TtlHeader, MetadataToken.TtlSeconds);
        var (status, value) = await SendAsync(request, cancellationToken).ConfigureAwait(false);
        return status switch
        {
            HttpStatusCode.OK when value.Length > 0 => value,
            // No token endpoint: a server where tokens do not exist, so plain GETs are what it expects.
            HttpStatusCode.NotFound => "",
            _ => throw new HttpRequestException($"instance metadata token {url}: HTTP {(int)status}"),
        };
    }

    private Task<(HttpStatusCode Status, string Value)> SendAsync(Uri url, string token, CancellationToken cancellationToken)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, url);
        if (token.Length > 0)
        {
            request.Headers.Add(MetadataToken.Header, token);
        }

        return SendDisposingAsync(request, cancellationToken);
    }

    private async Task<(HttpStatusCode Status, string Value)> SendDisposingAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        using (request)
        {
            return await SendAsync(request, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task<(HttpStatusCode Status, string Value)> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(RequestTimeout);
        try
        {
            using var response = await http.SendAsync(request, timeout.Token).ConfigureAwait(false);
            var value = response.StatusCode == HttpStatusCode.OK
                ? (await response.Content.ReadAsStringAsync(timeout.Token).ConfigureAwait(false)).Trim()
                : "";
            return (response.StatusCode, value);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new HttpRequestException($"instance metadata {request.RequestUri}: no answer within {RequestTimeout.TotalSeconds:0} s");
        }
    }
}
