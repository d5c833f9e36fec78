using System.Text.Json;

namespace CocoonNet.Providers.Volcengine.Credentials;

/// <summary>
/// Finds the access keys; the first source that has a key pair wins:
/// <list type="number">
/// <item>env <c>VOLCENGINE_ACCESS_KEY</c> / <c>VOLCENGINE_SECRET_KEY</c> / <c>VOLCENGINE_SESSION_TOKEN</c> (the SDKs' and ve CLI's names);</item>
/// <item>env <c>VOLCENGINE_ACCESS_KEY_ID</c> / <c>VOLCENGINE_SECRET_ACCESS_KEY</c> (upstream cocoon-net's names);</item>
/// <item><c>~/.volcengine/config.json</c> (or <c>VOLCENGINE_CLI_CONFIG_FILE</c>): upstream's flat form
/// <c>{"access_key_id","secret_access_key","region"}</c> or the ve CLI's profile form
/// <c>{"current","profiles":{name:{"mode":"ak","access-key","secret-key","session-token","region"}}}</c>.</item>
/// </list>
/// The region is <c>VOLCENGINE_REGION</c>, else the region stored with the keys, else (later) instance metadata.
/// </summary>
internal sealed class CredentialResolver(IEnvironmentReader environment)
{
    public string ConfigFile => environment.Get("VOLCENGINE_CLI_CONFIG_FILE")
        ?? Path.Combine(environment.HomeDirectory ?? "/root", ".volcengine", "config.json");

    public VolcengineCredentials Resolve()
    {
        var region = environment.Get("VOLCENGINE_REGION");
        if (environment.Get("VOLCENGINE_ACCESS_KEY") is { } ak)
        {
            var sk = environment.Get("VOLCENGINE_SECRET_KEY")
                ?? throw new CredentialsException("VOLCENGINE_ACCESS_KEY is set but VOLCENGINE_SECRET_KEY is not; set both");
            return new(ak, sk, environment.Get("VOLCENGINE_SESSION_TOKEN"), region, "env VOLCENGINE_ACCESS_KEY");
        }

        if (environment.Get("VOLCENGINE_ACCESS_KEY_ID") is { } akId)
        {
            var sk = environment.Get("VOLCENGINE_SECRET_ACCESS_KEY")
                ?? throw new CredentialsException("VOLCENGINE_ACCESS_KEY_ID is set but VOLCENGINE_SECRET_ACCESS_KEY is not; set both");
            return new(akId, sk, environment.Get("VOLCENGINE_SESSION_TOKEN"), region, "env VOLCENGINE_ACCESS_KEY_ID");
        }

        var fromFile = FromConfigFile();
        if (fromFile is not null)
        {
            return region is null ? fromFile : fromFile with { Region = region };
        }

        throw new CredentialsException(
            $"no Volcengine credentials: set VOLCENGINE_ACCESS_KEY and VOLCENGINE_SECRET_KEY, or write {ConfigFile} (see docs/volcengine.md)");
    }

    private VolcengineCredentials? FromConfigFile()
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

    private static VolcengineCredentials? FromFlat(string path, JsonElement root)
    {
        var ak = String(root, "access_key_id");
        if (ak is null)
        {
            return null;
        }

        var sk = String(root, "secret_access_key") ?? throw new CredentialsException($"{path} has access_key_id but no secret_access_key");
        return new(ak, sk, String(root, "session_token"), String(root, "region"), path);
    }

    private VolcengineCredentials? FromProfiles(string path, JsonElement root, JsonElement profiles)
    {
        // The ve CLI's own order: the file's current profile, then VOLCENGINE_PROFILE.
        var name = String(root, "current") ?? environment.Get("VOLCENGINE_PROFILE") ?? "default";
        if (profiles.ValueKind != JsonValueKind.Object || !profiles.TryGetProperty(name, out var profile) || profile.ValueKind != JsonValueKind.Object)
        {
            return null;
        }

        // Compared trimmed and case-insensitively, as the SDK reads it (issue 10, item 3): "AK " is mode ak.
        var mode = String(profile, "mode") ?? "ak";
        if (!string.Equals(mode.Trim(), "ak", StringComparison.OrdinalIgnoreCase))
        {
            throw new CredentialsException(
                $"profile {name} in {path} uses mode {mode}; cocoon-net supports only mode ak (access keys, optionally with session-token)");
        }

        var ak = String(profile, "access-key");
        if (ak is null)
        {
            return null;
        }

        var sk = String(profile, "secret-key") ?? throw new CredentialsException($"profile {name} in {path} has access-key but no secret-key");
        return new(ak, sk, String(profile, "session-token"), String(profile, "region"), $"{path} profile {name}");
    }

    private static string? String(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String && value.GetString() is { Length: > 0 } s ? s : null;
}

/// <summary>Credentials are missing or unusable. The message never contains a secret.</summary>
public sealed class CredentialsException(string message) : Exception(message);
