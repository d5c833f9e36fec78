using CocoonNet.Providers.Gke.Metadata;
using Google;
using Google.Apis.Auth.OAuth2;
using Google.Apis.Auth.OAuth2.Responses;
using Microsoft.Extensions.Logging;

namespace CocoonNet.Providers.Gke.Auth;

/// <summary>
/// Google application-default credentials scoped for Compute: a service-account key file
/// (<c>GOOGLE_APPLICATION_CREDENTIALS</c>), gcloud's ADC file, or the VM's own service account. For the
/// latter the VM's access scopes decide, so they are checked up front for a clear message.
/// </summary>
internal sealed class ApplicationDefaultTokenSource(MetadataClient metadata, ILogger<ApplicationDefaultTokenSource> logger)
    : IAccessTokenSource, IDisposable
{
    public const string ComputeScope = "https://www.googleapis.com/auth/compute";
    public const string CloudPlatformScope = "https://www.googleapis.com/auth/cloud-platform";

    private readonly SemaphoreSlim _gate = new(1, 1);
    private ITokenAccess? _credential;

    public async Task<string> GetAccessTokenAsync(CancellationToken cancellationToken)
    {
        var credential = await CredentialAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            // Cached and refreshed by the library; only a near-expiry token costs a round trip.
            return await credential.GetAccessTokenForRequestAsync(null, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is TokenResponseException or HttpRequestException or InvalidOperationException or GoogleApiException)
        {
            throw new GkeException($"cannot get a Google access token for the Compute API: {e.Message}", e);
        }
    }

    public void Dispose() => _gate.Dispose();

    private async Task<ITokenAccess> CredentialAsync(CancellationToken cancellationToken)
    {
        if (_credential is not null)
        {
            return _credential;
        }

        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_credential is not null)
            {
                return _credential;
            }

            GoogleCredential credential;
            try
            {
                credential = await GoogleCredential.GetApplicationDefaultAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (InvalidOperationException e)
            {
                throw new GkeException(
                    "no Google credentials found: run on a GCE VM with a service account, set GOOGLE_APPLICATION_CREDENTIALS to a "
                    + "service-account key file, or run 'gcloud auth application-default login'", e);
            }

            if (credential.UnderlyingCredential is ComputeCredential)
            {
                await RequireComputeScopeAsync(cancellationToken).ConfigureAwait(false);
            }

            logger.CredentialSource(credential.UnderlyingCredential.GetType().Name);
            _credential = credential.CreateScoped(ComputeScope);
            return _credential;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>
    /// A VM's token carries the VM's access scopes whatever we ask for; without compute (or cloud-platform)
    /// every call would fail with a bare 403, so say what to change.
    /// </summary>
    private async Task RequireComputeScopeAsync(CancellationToken cancellationToken)
    {
        var scopes = (await metadata.GetAsync("instance/service-accounts/default/scopes", cancellationToken).ConfigureAwait(false))
            .Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (!scopes.Any(s => s is ComputeScope or CloudPlatformScope))
        {
            throw new GkeException(
                $"the VM's service account lacks the compute access scope (it has: {string.Join(", ", scopes.DefaultIfEmpty("none"))}); "
                + "stop the VM and run 'gcloud compute instances set-service-account <instance> --scopes=cloud-platform', "
                + "or use a key file through GOOGLE_APPLICATION_CREDENTIALS");
        }
    }
}
