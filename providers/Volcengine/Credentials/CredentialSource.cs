namespace CocoonNet.Providers.Volcengine.Credentials;

/// <summary>Where this run's credentials come from, as <see cref="CredentialResolver"/> chose it.</summary>
internal abstract record CredentialSource;

/// <summary>An access key pair from the environment or the config file: used as is for the whole run.</summary>
internal sealed record StaticKeys(VolcengineCredentials Credentials) : CredentialSource;

/// <summary>
/// The instance's IAM role: STS keys read from instance metadata and read again before they expire.
/// </summary>
/// <param name="RoleName">The role to use; null: the first role metadata lists for the instance.</param>
/// <param name="Region">The region from <c>VOLCENGINE_REGION</c> or the profile; null: instance metadata's.</param>
/// <param name="Origin">What chose the instance role, for messages (e.g. <c>profile node in ~/.volcengine/config.json</c>).</param>
internal sealed record InstanceRole(string? RoleName, string? Region, string Origin) : CredentialSource;
