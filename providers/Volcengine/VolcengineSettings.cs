using CocoonNet.Providers.Volcengine.Credentials;

namespace CocoonNet.Providers.Volcengine;

/// <summary>
/// Endpoints and knobs, read once from the environment. Plain http to the OpenAPI is refused unless the
/// endpoint is a loopback address or <c>VOLCENGINE_DISABLE_SSL=true</c> says so explicitly (the ve CLI's
/// own switch): a signed request over http can be read and replayed by anyone on the path.
/// </summary>
internal sealed record VolcengineSettings
{
    public const string DefaultEndpoint = "https://open.volcengineapi.com/";
    public const string DefaultMetadataUrl = "http://100.96.0.96/volcstack/latest/";

    public required Uri Endpoint { get; init; }

    public required Uri MetadataUrl { get; init; }

    /// <summary>Security group for new ENIs; null means the one on the instance's primary ENI.</summary>
    public string? SecurityGroupId { get; init; }

    /// <summary>How many ENIs are created/attached at the same time.</summary>
    public int EniConcurrency { get; init; } = 4;

    /// <summary>Client-side ceiling on OpenAPI requests per second, below the account's flow limit.</summary>
    public double RequestsPerSecond { get; init; } = 20;

    /// <summary>Time between status polls of an ENI or subnet.</summary>
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromMilliseconds(250);

    /// <summary>How long an ENI or subnet may take to reach the status it is waiting for.</summary>
    public TimeSpan StatusTimeout { get; init; } = TimeSpan.FromMinutes(3);

    /// <summary>How long the OS interface of an attached ENI may take to appear.</summary>
    public TimeSpan LinkTimeout { get; init; } = TimeSpan.FromSeconds(60);

    public static VolcengineSettings FromEnvironment(IEnvironmentReader environment)
    {
        // An empty variable counts as unset, as it does for the ve CLI.
        string? Get(string name) => environment.Get(name) is { Length: > 0 } value ? value : null;
        var endpoint = ParseUrl(Get("VOLCENGINE_ENDPOINT") ?? DefaultEndpoint, "VOLCENGINE_ENDPOINT");
        var disableSsl = string.Equals(Get("VOLCENGINE_DISABLE_SSL"), "true", StringComparison.OrdinalIgnoreCase);
        if (endpoint.Scheme == Uri.UriSchemeHttp && !endpoint.IsLoopback && !disableSsl)
        {
            throw new InvalidOperationException(
                $"VOLCENGINE_ENDPOINT {endpoint} uses plain http to a non-loopback host; use https, or set VOLCENGINE_DISABLE_SSL=true to allow it");
        }

        var metadata = ParseUrl(Get("COCOON_NET_VOLCENGINE_METADATA_URL") ?? DefaultMetadataUrl, "COCOON_NET_VOLCENGINE_METADATA_URL");
        return new VolcengineSettings
        {
            Endpoint = endpoint,
            MetadataUrl = metadata,
            SecurityGroupId = Get("COCOON_NET_VOLCENGINE_SECURITY_GROUP_ID"),
        };
    }

    private static Uri ParseUrl(string value, string variable)
    {
        if (!value.EndsWith('/'))
        {
            value += "/";
        }

        return Uri.TryCreate(value, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps)
            ? uri
            : throw new InvalidOperationException($"{variable} {value} is not an http(s) URL");
    }
}
