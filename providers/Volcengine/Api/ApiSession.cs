using CocoonNet.Providers.Volcengine.Credentials;
using CocoonNet.Providers.Volcengine.Metadata;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace CocoonNet.Providers.Volcengine.Api;

/// <summary>
/// The credentials and region every call of this process signs with. The source is chosen once by
/// <see cref="CredentialResolver"/>; the region comes with it or else from instance metadata. Static keys are
/// kept for the run. Instance-role keys are read again before they expire, so neither a long run nor a
/// long-lived process ever signs with expired keys: the SDK refreshes <c>ExpiryWindow</c> = 5 minutes before
/// <c>ExpiredTime</c> (volcengine/volcengine-go-sdk <c>volcengine/credentials/ecs_role_provider.go</c>,
/// <c>imdsDefaultExpiryWindow</c>); for keys that live less than twice that, half their lifetime is the window.
/// </summary>
internal sealed partial class ApiSession : IDisposable
{
    public static readonly TimeSpan ExpiryWindow = TimeSpan.FromMinutes(5);

    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly CredentialResolver _resolver;
    private readonly MetadataClient _metadata;
    private readonly TimeProvider _time;
    private readonly ILogger<ApiSession> _logger;
    private CredentialSource? _source;
    private string? _region;
    private Current? _current;

    public ApiSession(CredentialResolver resolver, MetadataClient metadata, TimeProvider time, ILogger<ApiSession> logger)
    {
        _resolver = resolver;
        _metadata = metadata;
        _time = time;
        _logger = logger;
    }

    public ApiSession(CredentialResolver resolver, MetadataClient metadata)
        : this(resolver, metadata, TimeProvider.System, NullLogger<ApiSession>.Instance)
    {
    }

    /// <summary>Where the keys in use come from (status), e.g. <c>instance role cocoon-node (expires ...)</c>; null before the first call.</summary>
    public string? Description => _current?.Credentials.Description;

    public async Task<VolcengineCredentials> GetAsync(CancellationToken cancellationToken)
    {
        if (_current is { } known && _time.GetUtcNow() < known.RefreshAt)
        {
            return known.Credentials;
        }

        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_current is { } fresh && _time.GetUtcNow() < fresh.RefreshAt)
            {
                return fresh.Credentials;
            }

            _source ??= _resolver.Resolve();
            var first = _current is null;
            VolcengineCredentials credentials;
            try
            {
                credentials = _source switch
                {
                    StaticKeys keys => keys.Credentials,
                    InstanceRole role => await InstanceRoleCredentials.FetchAsync(_metadata, role, cancellationToken).ConfigureAwait(false),
                    _ => throw new InvalidOperationException("unknown credential source"),
                };
            }
            catch (Exception e) when (e is CredentialsException or HttpRequestException
                                      && _current is { Credentials.Expires: { } expires } still && _time.GetUtcNow() < expires)
            {
                // A refresh that fails inside the window keeps the keys that still work; the next call tries again.
                LogRefreshFailed(_logger, e.Message, expires);
                return still.Credentials;
            }

            if (credentials.Region is null)
            {
                _region ??= await _metadata.GetAsync("region_id", cancellationToken).ConfigureAwait(false);
                credentials = credentials with { Region = _region };
            }

            _current = new Current(credentials, RefreshAt(credentials, _time.GetUtcNow()));
            if (first)
            {
                LogCredentials(_logger, credentials.Description, credentials.AccessKeyId);
            }
            else
            {
                LogRefreshed(_logger, credentials.Description);
            }

            return credentials;
        }
        finally
        {
            _gate.Release();
        }
    }

    public void Dispose() => _gate.Dispose();

    /// <summary>When <paramref name="credentials"/> fetched at <paramref name="now"/> must be read again.</summary>
    internal static DateTimeOffset RefreshAt(VolcengineCredentials credentials, DateTimeOffset now)
    {
        if (credentials.Expires is not { } expires)
        {
            return DateTimeOffset.MaxValue;
        }

        var lifetime = expires - now;
        var window = lifetime < 2 * ExpiryWindow ? lifetime / 2 : ExpiryWindow;
        return expires - window;
    }

    private sealed record Current(VolcengineCredentials Credentials, DateTimeOffset RefreshAt);

    [LoggerMessage(Level = LogLevel.Debug, Message = "credentials: {Description}, access key {AccessKeyId}")]
    private static partial void LogCredentials(ILogger logger, string description, string accessKeyId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "could not refresh the instance-role keys ({Reason}); the current ones stay in use until {Expires:u}")]
    private static partial void LogRefreshFailed(ILogger logger, string reason, DateTimeOffset expires);

    [LoggerMessage(Level = LogLevel.Debug, Message = "credentials refreshed before they expire: {Description}")]
    private static partial void LogRefreshed(ILogger logger, string description);
}
