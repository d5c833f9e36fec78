using System.Net;

namespace CocoonNet.Providers.Volcengine.Metadata;

/// <summary>
/// The ECS instance metadata service (<c>http://100.96.0.96/volcstack/latest/</c>, plain GET, no token: the
/// paths we read are open on every instance). Values are trimmed; an empty value or a non-200 answer is an error.
/// </summary>
internal sealed class MetadataClient(HttpClient http, VolcengineSettings settings)
{
    private static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(5);

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

    public async Task<string> GetAsync(string path, CancellationToken cancellationToken) =>
        await TryGetAsync(path, cancellationToken).ConfigureAwait(false)
        ?? throw new InvalidOperationException($"instance metadata {new Uri(settings.MetadataUrl, path)} returned nothing; is this a Volcengine ECS instance?");

    private async Task<string?> TryGetAsync(string path, CancellationToken cancellationToken)
    {
        var url = new Uri(settings.MetadataUrl, path);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(RequestTimeout);
        HttpResponseMessage response;
        try
        {
            response = await http.GetAsync(url, timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new HttpRequestException($"instance metadata {url}: no answer within {RequestTimeout.TotalSeconds:0} s");
        }

        using (response)
        {
            if (response.StatusCode == HttpStatusCode.NotFound)
            {
                return null;
            }

            if (!response.IsSuccessStatusCode)
            {
                throw new HttpRequestException($"instance metadata {url}: HTTP {(int)response.StatusCode}");
            }

            var value = (await response.Content.ReadAsStringAsync(timeout.Token).ConfigureAwait(false)).Trim();
            return value.Length == 0 ? null : value;
        }
    }
}
