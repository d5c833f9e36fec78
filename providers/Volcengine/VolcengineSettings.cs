using CocoonNet.Abstractions;
using CocoonNet.Providers.Volcengine.Credentials;

namespace CocoonNet.Providers.Volcengine;

/// <summary>
/// Endpoints and knobs, read once per run: the plugin's own settings (<see cref="IPluginSettings"/>) and the
/// Volcengine SDK's environment variables. Plain http to the OpenAPI is refused unless the endpoint is a
/// loopback address or <c>VOLCENGINE_DISABLE_SSL=true</c> says so explicitly (the ve CLI's own switch): a
/// signed request over http can be read and replayed by anyone on the path.
/// </summary>
internal sealed record VolcengineSettings
{
    public const string DefaultEndpoint = "https://open.volcengineapi.com/";
    public const string DefaultMetadataUrl = "http://100.96.0.96/volcstack/latest/";

    /// <summary>Setting: the security group of new ENIs (flag <c>--security-group-id</c> on init).</summary>
    public const string SecurityGroupSetting = "security-group-id";

    /// <summary>Setting: the instance metadata service's base URL.</summary>
    public const string MetadataUrlSetting = "metadata-url";

    /// <summary>What the plugin declares to the host (see <see cref="VolcenginePlugin.Settings"/>).</summary>
    public static IReadOnlyList<PluginSetting> Declared { get; } =
    [
        new PluginSetting
        {
            Name = SecurityGroupSetting,
            Description = "Security group for the ENIs cocoon-net creates (default: the one on the instance's primary ENI)",
            // Which group new ENIs get is part of what init converges to: a re-run keeps the earlier choice.
            Recorded = true,
            Commands = SettingCommands.Init,
        },
        new PluginSetting
        {
            Name = MetadataUrlSetting,
            Description = $"Instance metadata service base URL (default {DefaultMetadataUrl}); when set, detection probes it on any machine",
            Commands = SettingCommands.Init | SettingCommands.Status | SettingCommands.Teardown,
        },
    ];

    public required Uri Endpoint { get; init; }

    public required Uri MetadataUrl { get; init; }

    /// <summary>True when the metadata URL was given explicitly: detection probes it without a local sign.</summary>
    public bool MetadataUrlExplicit { get; init; }

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

    public static VolcengineSettings From(IEnvironmentReader environment, IPluginSettings plugin)
    {
        // An empty value counts as unset, as it does for the ve CLI.
        string? Get(string name) => environment.Get(name) is { Length: > 0 } value ? value : null;
        string? Setting(string name) => plugin[name] is { } value && value.Trim() is { Length: > 0 } trimmed ? trimmed : null;
        var endpoint = ParseUrl(Get("VOLCENGINE_ENDPOINT") ?? DefaultEndpoint, "VOLCENGINE_ENDPOINT");
        var disableSsl = string.Equals(Get("VOLCENGINE_DISABLE_SSL"), "true", StringComparison.OrdinalIgnoreCase);
        if (endpoint.Scheme == Uri.UriSchemeHttp && !endpoint.IsLoopback && !disableSsl)
        {
            throw new InvalidOperationException(
                $"VOLCENGINE_ENDPOINT {endpoint} uses plain http to a non-loopback host; use https, or set VOLCENGINE_DISABLE_SSL=true to allow it");
        }

        var metadata = Setting(MetadataUrlSetting);
        return new VolcengineSettings
        {
            Endpoint = endpoint,
            MetadataUrl = ParseUrl(metadata ?? DefaultMetadataUrl, $"the volcengine setting {MetadataUrlSetting} (COCOON_NET_VOLCENGINE_METADATA_URL)"),
            MetadataUrlExplicit = metadata is not null,
            SecurityGroupId = Setting(SecurityGroupSetting),
        };
    }

    private static Uri ParseUrl(string value, string source)
    {
        if (!value.EndsWith('/'))
        {
            value += "/";
        }

        return Uri.TryCreate(value, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps)
            ? uri
            : throw new InvalidOperationException($"{source} {value} is not an http(s) URL");
    }
}
