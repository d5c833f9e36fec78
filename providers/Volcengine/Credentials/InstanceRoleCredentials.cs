using System.Globalization;
using System.Text.Json;
using CocoonNet.Providers.Volcengine.Metadata;

namespace CocoonNet.Providers.Volcengine.Credentials;

/// <summary>
/// STS keys of the instance's IAM role, read from instance metadata as volcengine/volcengine-go-sdk
/// <c>volcengine/credentials/ecs_role_provider.go</c> (<c>EcsRoleProvider</c>) reads them:
/// <list type="bullet">
/// <item>the role, when none is named, from <c>GET /volcstack/latest/iam/security_credentials?type=user</c>
/// (<c>imdsRoleNamePath</c>): a JSON array of names, or else newline-separated names; the first one is used
/// (<c>autoDetectRoleName</c>);</item>
/// <item>the keys from <c>GET /volcstack/latest/iam/security_credentials/&lt;role&gt;</c> (role path-escaped):
/// <c>{"AccessKeyId","SecretAccessKey","SessionToken","ExpiredTime"}</c>, <c>ExpiredTime</c> RFC 3339 (older SDK
/// versions of the same file read the member as <c>Expiration</c>; both are accepted); an empty key or secret is an error.</item>
/// </list>
/// Every read goes through <see cref="MetadataClient"/>, so the token-first metadata rules apply to them too.
/// </summary>
internal static class InstanceRoleCredentials
{
    public const string RolesPath = "iam/security_credentials?type=user";
    public const string CredentialsPath = "iam/security_credentials/";

    public static async Task<VolcengineCredentials> FetchAsync(MetadataClient metadata, InstanceRole source, CancellationToken cancellationToken)
    {
        var role = source.RoleName ?? await DetectRoleAsync(metadata, source, cancellationToken).ConfigureAwait(false);
        var body = await ReadAsync(metadata, CredentialsPath + Uri.EscapeDataString(role), cancellationToken).ConfigureAwait(false)
            ?? throw new CredentialsException(
                $"instance role {role}: instance metadata has no credentials for it; attach the role to this instance in the ECS console, "
                + $"or name the attached role in {CredentialResolver.RoleNameVariable}");
        return Parse(role, body) with { Region = source.Region };
    }

    /// <summary>Role names from the list body: a JSON array, else one name per line (the SDK's fallback).</summary>
    public static IReadOnlyList<string> ParseRoles(string body)
    {
        try
        {
            if (JsonSerializer.Deserialize<List<string>>(body) is { } names)
            {
                return names.Select(n => n.Trim()).Where(n => n.Length > 0).ToList();
            }
        }
        catch (JsonException)
        {
        }

        return body.Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
    }

    /// <summary>The credentials document of <paramref name="role"/>; errors name the role and the member, never a value.</summary>
    public static VolcengineCredentials Parse(string role, string body)
    {
        try
        {
            using var document = JsonDocument.Parse(body);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw new CredentialsException($"instance role {role}: the credentials document from instance metadata is not a JSON object");
            }

            var ak = Member(root, "AccessKeyId");
            var sk = Member(root, "SecretAccessKey");
            if (ak is null || sk is null)
            {
                throw new CredentialsException($"instance role {role}: instance metadata returned empty credentials; check the role in the IAM console");
            }

            var expiry = Member(root, "ExpiredTime") ?? Member(root, "Expiration");
            if (expiry is null || !DateTimeOffset.TryParse(expiry, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var expires))
            {
                throw new CredentialsException($"instance role {role}: the credentials from instance metadata have no valid ExpiredTime ({expiry ?? "missing"})");
            }

            return new VolcengineCredentials(ak, sk, Member(root, "SessionToken"), null, $"instance role {role}") { Expires = expires };
        }
        catch (JsonException e)
        {
            // The parser's message could quote the secret: the position only.
            throw new CredentialsException($"instance role {role}: the credentials document from instance metadata is not JSON (line {(e.LineNumber ?? 0) + 1})");
        }
    }

    private static async Task<string> DetectRoleAsync(MetadataClient metadata, InstanceRole source, CancellationToken cancellationToken)
    {
        var body = await ReadAsync(metadata, RolesPath, cancellationToken).ConfigureAwait(false);
        var roles = body is null ? [] : ParseRoles(body);
        return roles.Count > 0 ? roles[0] : throw new CredentialsException(
                $"no Volcengine credentials ({source.Origin}) and this instance has no IAM role: attach a role to the instance in the ECS console, "
                + "or set VOLCENGINE_ACCESS_KEY and VOLCENGINE_SECRET_KEY (see docs/volcengine.md)");
    }

    private static async Task<string?> ReadAsync(MetadataClient metadata, string path, CancellationToken cancellationToken)
    {
        try
        {
            return await metadata.TryGetAsync(path, cancellationToken).ConfigureAwait(false);
        }
        catch (HttpRequestException e)
        {
            throw new CredentialsException(
                $"instance role: cannot read instance metadata ({e.Message}); on a Volcengine ECS instance check that {metadata.BaseUrl.Host} is reachable, "
                + "elsewhere set VOLCENGINE_ACCESS_KEY and VOLCENGINE_SECRET_KEY (see docs/volcengine.md)");
        }
    }

    private static string? Member(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String && value.GetString() is { Length: > 0 } s ? s : null;
}
