using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;

namespace CocoonNet.Emulators.Volcengine;

/// <summary>
/// The instance's IAM role and its STS keys (--instance-role, --sts-ttl-seconds). Source: volcengine/volcengine-go-sdk
/// <c>volcengine/credentials/ecs_role_provider.go</c>: the role list at <c>iam/security_credentials?type=user</c> is read
/// as a JSON array (newline-separated names are the SDK's fallback), the keys at <c>iam/security_credentials/&lt;role&gt;</c>
/// as <c>{"AccessKeyId","SecretAccessKey","SessionToken","ExpiredTime"}</c>, ExpiredTime RFC 3339. Every fetch hands out a
/// new key pair (rotation); earlier pairs stay valid until their own ExpiredTime. Secrets and tokens carry the prefixes
/// <see cref="SecretPrefix"/> and <see cref="TokenPrefix"/> so tests can prove they never reach an output.
/// </summary>
internal sealed class InstanceRoles(EmulatorOptions options)
{
    public const string SecretPrefix = "stssecret-";
    public const string TokenPrefix = "ststoken-";

    private readonly ConcurrentDictionary<string, StsKey> _keys = new();
    private int _issued;

    /// <summary>Key pairs handed out so far.</summary>
    public int Issued => _issued;

    /// <summary>The answer for a metadata path under iam/, or null when the path is not an IAM one.</summary>
    public IResult? Serve(string path)
    {
        const string prefix = "iam/security_credentials";
        if (!path.StartsWith(prefix, StringComparison.Ordinal))
        {
            return null;
        }

        var role = options.InstanceRole.Trim();
        var rest = path[prefix.Length..].Trim('/');
        if (role.Length == 0)
        {
            return Results.NotFound();
        }

        if (rest.Length == 0)
        {
            return Results.Text(JsonSerializer.Serialize(new[] { role }), "application/json");
        }

        if (rest != role)
        {
            return Results.NotFound();
        }

        var now = DateTimeOffset.UtcNow;
        // Whole seconds, as the RFC 3339 text carries them: the key expires exactly when the client is told.
        var expires = DateTimeOffset.FromUnixTimeSeconds(now.ToUnixTimeSeconds() + options.StsTtlSeconds);
        var ak = "AKTP" + Convert.ToHexString(RandomNumberGenerator.GetBytes(8));
        var key = new StsKey(SecretPrefix + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(12)),
            TokenPrefix + Convert.ToBase64String(RandomNumberGenerator.GetBytes(24)), expires);
        _keys[ak] = key;
        Interlocked.Increment(ref _issued);
        return Results.Text(JsonSerializer.Serialize(new Dictionary<string, string>
        {
            ["AccessKeyId"] = ak,
            ["SecretAccessKey"] = key.Secret,
            ["SessionToken"] = key.Token,
            ["ExpiredTime"] = expires.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture),
            ["CurrentTime"] = now.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture),
        }), "application/json");
    }

    /// <summary>An STS key this role handed out, or null.</summary>
    public StsKey? Find(string accessKeyId) => _keys.GetValueOrDefault(accessKeyId);
}

/// <summary>One STS key pair: its secret, the session token that must accompany it, and when it stops working.</summary>
internal sealed record StsKey(string Secret, string Token, DateTimeOffset Expires);
