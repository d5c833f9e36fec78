using System.Text.Json;

namespace CocoonNet.Providers.Volcengine.Credentials;

/// <summary>
/// Finds the access keys; the first source that has a key pair wins:
/// <list type="number">
/// <item>env <c>VOLCENGINE_ACCESS_KEY</c> / <c>VOLCENGINE_SECRET_KEY</c> / <c>VOLCENGINE_SESSION_TOKEN</c> (the SDKs' and ve CLI's names);</item>
/// <item>env <c>VOLCENGINE_ACCESS_KEY_ID</c> / <c>VOLCENGINE_SECRET_ACCESS_KEY</c> (upstream cocoon-net's names);</item>
/// <item><c>~/.volcengine/config.json</c> (or <c>VOLCENGINE_CLI_CONFIG_FILE</c>): upstream's flat form
/// <c>{"access_key_id","secret_access_key","region"}</c> or the ve CLI's profile form
/// <c>{"current","profiles":{name:{"mode":"ak","access-key","secret-key","session-token","region"}}}</c>;
/// a profile of mode <c>ecsrole</c> (optionally with <c>role-name</c>) chooses the instance role;</item>
/// <item>the instance's IAM role (<see cref="InstanceRoleCredentials"/>), unless <c>VOLCENGINE_ECS_METADATA_DISABLED=true</c>.
/// The role is the profile's <c>role-name</c>, else env <c>VOLCENGINE_ECS_METADATA</c>, else the first role metadata
/// lists: the order of volcengine/volcengine-go-sdk <c>volcengine/credentials/ecs_role_provider.go</c>
/// (<c>resolveRoleName</c>: parameter &gt; env &gt; auto-detect; <c>isIMDSDisabled</c>: <c>strings.EqualFold(v, "true")</c>).</item>
/// </list>
/// The region is <c>VOLCENGINE_REGION</c>, else the region stored with the keys, else (later) instance metadata.
/// </summary>
internal sealed class CredentialResolver(IEnvironmentReader environment)
{
    public string ConfigFile => environment.Get("VOLCENGINE_CLI_CONFIG_FILE")
        ?? Path.Combine(environment.HomeDirectory ?? "/root", ".volcengine", "config.json");

    public const string RoleNameVariable = "VOLCENGINE_ECS_METADATA";
    public const string DisabledVariable = "VOLCENGINE_ECS_METADATA_DISABLED";

    private bool InstanceRoleDisabled => string.Equals(environment.Get(DisabledVariable)?.Trim(), "true", StringComparison.OrdinalIgnoreCase);

    public CredentialSource Resolve()
    {
        var region = environment.Get("VOLCENGINE_REGION");
        if (environment.Get("VOLCENGINE_ACCESS_KEY") is { } ak)
        {
            var sk = environment.Get("VOLCENGINE_SECRET_KEY")
                ?? throw new CredentialsException("VOLCENGINE_ACCESS_KEY is set but VOLCENGINE_SECRET_KEY is not; set both");
            return new StaticKeys(new(ak, sk, environment.Get("VOLCENGINE_SESSION_TOKEN"), region, "env VOLCENGINE_ACCESS_KEY"));
        }

        if (environment.Get("VOLCENGINE_ACCESS_KEY_ID") is { } akId)
        {
            var sk = environment.Get("VOLCENGINE_SECRET_ACCESS_KEY")
                ?? throw new CredentialsException("VOLCENGINE_ACCESS_KEY_ID is set but VOLCENGINE_SECRET_ACCESS_KEY is not; set both");
            return new StaticKeys(new(akId, sk, environment.Get("VOLCENGINE_SESSION_TOKEN"), region, "env VOLCENGINE_ACCESS_KEY_ID"));
        }

        switch (FromConfigFile())
        {
            case StaticKeys keys:
                return region is null ? keys : new StaticKeys(keys.Credentials with { Region = region });
            case InstanceRole role:
                return role with { RoleName = role.RoleName ?? environment.Get(RoleNameVariable), Region = region ?? role.Region };
        }

        if (InstanceRoleDisabled)
        {
            throw new CredentialsException(
                $"no Volcengine credentials: set VOLCENGINE_ACCESS_KEY and VOLCENGINE_SECRET_KEY, or write {ConfigFile}; "
                + $"the instance role is off ({DisabledVariable}=true) (see docs/volcengine.md)");
        }

        return new InstanceRole(environment.Get(RoleNameVariable), region, "no access keys in the environment or " + ConfigFile);
    }

    private CredentialSource? FromConfigFile()
    {
        var path = ConfigFile;
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CredentialsException($"read {path}: {e.Message}");
        }

        try
        {
            using var document = JsonDocument.Parse(text);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw new CredentialsException($"parse {path}: expected a JSON object");
            }

            return root.TryGetProperty("profiles", out var profiles) ? FromProfiles(path, root, profiles) : FromFlat(path, root);
        }
        catch (JsonException e)
        {
            // The parser's message can quote file content, which may be a secret: give the position only.
            throw new CredentialsException($"parse {path}: invalid JSON at line {(e.LineNumber ?? 0) + 1}");
        }
    }

    private static StaticKeys? FromFlat(string path, JsonElement root)
    {
        var ak = String(root, "access_key_id");
        if (ak is null)
        {
            return null;
        }

        var sk = String(root, "secret_access_key") ?? throw new CredentialsException($"{path} has access_key_id but no secret_access_key");
        return new StaticKeys(new(ak, sk, String(root, "session_token"), String(root, "region"), path));
    }

    private CredentialSource? FromProfiles(string path, JsonElement root, JsonElement profiles)
    {
        // The ve CLI's own order: the file's current profile, then VOLCENGINE_PROFILE.
        var name = String(root, "current") ?? environment.Get("VOLCENGINE_PROFILE") ?? "default";
        if (profiles.ValueKind != JsonValueKind.Object || !profiles.TryGetProperty(name, out var profile) || profile.ValueKind != JsonValueKind.Object)
        {
            return null;
        }

        // Compared trimmed and case-insensitively, as the SDK reads it (volcengine-go-sdk
        // volcengine/credentials/clicreds/cli_provider.go: strings.ToLower(strings.TrimSpace(profile.Mode))): "AK " is mode ak.
        var mode = String(profile, "mode") ?? "ak";
        if (string.Equals(mode.Trim(), "ecsrole", StringComparison.OrdinalIgnoreCase))
        {
            // Mode ecsrole means the instance role; role-name is the profile field the ve CLI's
            // Profile struct already has (volcengine/volcengine-cli cmd/configure.go, json "role-name").
            if (InstanceRoleDisabled)
            {
                throw new CredentialsException($"profile {name} in {path} uses mode ecsrole (the instance role) but {DisabledVariable}=true turns it off; unset one of them");
            }

            return new InstanceRole(String(profile, "role-name")?.Trim(), String(profile, "region"), $"profile {name} in {path}");
        }

        if (!string.Equals(mode.Trim(), "ak", StringComparison.OrdinalIgnoreCase))
        {
            throw new CredentialsException(
                $"profile {name} in {path} uses mode {mode}; cocoon-net supports mode ak (access keys, optionally with session-token) and mode ecsrole (the instance's IAM role)");
        }

        var ak = String(profile, "access-key");
        if (ak is null)
        {
            return null;
        }

        var sk = String(profile, "secret-key") ?? throw new CredentialsException($"profile {name} in {path} has access-key but no secret-key");
        return new StaticKeys(new(ak, sk, String(profile, "session-token"), String(profile, "region"), $"{path} profile {name}"));
    }

    private static string? String(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String && value.GetString() is { Length: > 0 } s ? s : null;
}

/// <summary>Credentials are missing or unusable. The message never contains a secret.</summary>
public sealed class CredentialsException(string message) : Exception(message);
