namespace CocoonNet.Providers.Volcengine.Credentials;

/// <summary>
/// An access key pair (optionally STS) and the region found with it. <see cref="ToString"/> never shows the
/// secret or the session token, so the object can be logged or end up in an exception safely.
/// </summary>
/// <param name="AccessKeyId">The access key id (not secret).</param>
/// <param name="SecretAccessKey">The secret; never printed.</param>
/// <param name="SessionToken">STS session token, sent as X-Security-Token; never printed.</param>
/// <param name="Source">Where the keys came from, e.g. <c>env VOLCENGINE_ACCESS_KEY</c>, for error messages.</param>
/// <param name="Region">Null when the source names no region; metadata supplies it then.</param>
internal sealed record VolcengineCredentials(string AccessKeyId, string SecretAccessKey, string? SessionToken, string? Region, string Source)
{
    /// <summary>When STS keys stop working (instance-role keys); null for keys that do not expire.</summary>
    public DateTimeOffset? Expires { get; init; }

    /// <summary>The source for status and logs, e.g. <c>instance role cocoon-node (expires 2026-11-29T13:00:00Z)</c>; never a secret.</summary>
    public string Description => Expires is { } expires
        ? $"{Source} (expires {expires.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture)})"
        : Source;

    public override string ToString() =>
        $"access key {AccessKeyId} from {Description}{(SessionToken is null ? "" : " (STS)")}{(Region is null ? "" : $", region {Region}")}";
}

/// <summary>The process environment as the credential lookup sees it (a fake in tests).</summary>
internal interface IEnvironmentReader
{
    string? Get(string name);

    /// <summary>The home directory of the user running cocoon-net.</summary>
    string? HomeDirectory { get; }
}

internal sealed class ProcessEnvironment : IEnvironmentReader
{
    public string? Get(string name) => Environment.GetEnvironmentVariable(name) is { Length: > 0 } value ? value : null;

    public string? HomeDirectory =>
        Get("HOME") ?? (Environment.GetFolderPath(Environment.SpecialFolder.UserProfile) is { Length: > 0 } home ? home : null);
}
