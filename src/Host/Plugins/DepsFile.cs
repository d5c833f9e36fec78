using System.Text.Json;

namespace CocoonNet.Host.Plugins;

/// <summary>
/// Checks a plugin's <c>.deps.json</c> before the loader sees it. The runtime's native dependency
/// resolver aborts the whole process on some malformed files (e.g. <c>{}</c>), so a broken plugin would
/// take the host down with it; this turns that into a reported, skipped plugin.
/// </summary>
internal static class DepsFile
{
    /// <summary>Null when the file has the shape the resolver needs, else what is wrong.</summary>
    public static string? WhyInvalid(string path)
    {
        try
        {
            using var document = JsonDocument.Parse(File.ReadAllBytes(path));
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                return "not a JSON object";
            }

            if (!root.TryGetProperty("runtimeTarget", out var target) || target.ValueKind != JsonValueKind.Object
                || !target.TryGetProperty("name", out var name) || name.ValueKind != JsonValueKind.String || name.GetString() is not { Length: > 0 } targetName)
            {
                return "no runtimeTarget.name";
            }

            if (!root.TryGetProperty("targets", out var targets) || targets.ValueKind != JsonValueKind.Object
                || !targets.TryGetProperty(targetName, out var libraries) || libraries.ValueKind != JsonValueKind.Object)
            {
                return $"no targets entry for {targetName}";
            }

            return root.TryGetProperty("libraries", out var catalog) && catalog.ValueKind == JsonValueKind.Object
                ? null
                : "no libraries object";
        }
        catch (Exception e) when (e is JsonException or IOException or UnauthorizedAccessException)
        {
            return e.Message;
        }
    }
}
