namespace CocoonNet.Providers.Gke.Auth;

/// <summary>Bearer tokens for the Compute API. Never log what it returns.</summary>
internal interface IAccessTokenSource
{
    Task<string> GetAccessTokenAsync(CancellationToken cancellationToken);
}
