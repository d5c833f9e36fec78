namespace CocoonNet.Providers.Volcengine.Metadata;

/// <summary>
/// The metadata session token, as volcengine/volcengine-go-sdk <c>volcengine/credentials/ecs_role_provider.go</c>
/// gets it: <c>GET http://100.96.0.96/latest/api/token</c> with <c>X-volc-ecs-metadata-token-ttl-seconds: 21600</c>,
/// then <c>X-volc-ecs-metadata-token: &lt;token&gt;</c> on every metadata request. The token path is at the
/// server root, not under <c>/volcstack/latest/</c>.
/// </summary>
internal static class MetadataToken
{
    public const string Path = "/latest/api/token";
    public const string TtlHeader = "X-volc-ecs-metadata-token-ttl-seconds";
    public const string Header = "X-volc-ecs-metadata-token";

    /// <summary>Six hours, the SDK's value: far longer than any run; a rejected token is fetched again once.</summary>
    public const string TtlSeconds = "21600";
}
