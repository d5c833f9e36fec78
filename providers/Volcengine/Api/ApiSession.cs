using CocoonNet.Providers.Volcengine.Credentials;
using CocoonNet.Providers.Volcengine.Metadata;

namespace CocoonNet.Providers.Volcengine.Api;

/// <summary>
/// The credentials and region every call of this process signs with, resolved once: keys by
/// <see cref="CredentialResolver"/>, region from the same source or else from instance metadata.
/// </summary>
internal sealed class ApiSession(CredentialResolver resolver, MetadataClient metadata) : IDisposable
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private VolcengineCredentials? _credentials;

    public async Task<VolcengineCredentials> GetAsync(CancellationToken cancellationToken)
    {
        if (_credentials is { } known)
        {
            return known;
        }

        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_credentials is null)
            {
                var credentials = resolver.Resolve();
                if (credentials.Region is null)
                {
                    credentials = credentials with { Region = await metadata.GetAsync("region_id", cancellationToken).ConfigureAwait(false) };
                }

                _credentials = credentials;
            }

            return _credentials;
        }
        finally
        {
            _gate.Release();
        }
    }

    public void Dispose() => _gate.Dispose();
}
