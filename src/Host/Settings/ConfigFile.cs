using System.Text.Json;
using CocoonNet.Node.Linux;
using Microsoft.Extensions.Configuration;

namespace CocoonNet.Host.Settings;

/// <summary>
/// The optional <c>/etc/cocoon-net/config.json</c> (under COCOON_NET_ROOT): plugin settings under
/// <c>plugins.&lt;plugin&gt;.&lt;name&gt;</c>, read with Microsoft.Extensions.Configuration (JSON with comments
/// and trailing commas; keys case-insensitive). Read only when it exists, so a node without one pays nothing.
/// Every problem is bad input naming the file and the key: not JSON, a section that is not an object, a
/// key a loaded plugin does not declare.
/// </summary>
internal static class ConfigFile
{
    /// <summary>A settings file is a few hundred bytes; this bound only stops a hostile or mistaken file.</summary>
    private const long MaxBytes = 1 << 20;

    /// <summary>Values by <c>plugin/name</c>, raw; empty when there is no file.</summary>
    /// <exception cref="UsageException">The file is unreadable as configuration.</exception>
    public static IReadOnlyDictionary<string, string> Read(string path, SettingsCatalog catalog, IReadOnlySet<string> loadedPlugins)
    {
        if (!File.Exists(path) && !Directory.Exists(path))
        {
            return new Dictionary<string, string>(StringComparer.Ordinal);
        }

        var content = ReadBytes(path);
        IConfigurationRoot configuration;
        try
        {
            using var stream = new MemoryStream(content, writable: false);
            configuration = new ConfigurationBuilder().AddJsonStream(stream).Build();
        }
        catch (Exception e) when ((e as JsonException ?? e.InnerException as JsonException) is { } json)
        {
            // The provider throws the reader's exception itself or wrapped, depending on where it fails.
            throw new UsageException(
                $"{path} is not valid JSON (line {(json.LineNumber ?? 0) + 1}, column {(json.BytePositionInLine ?? 0) + 1}); fix it, or remove the file");
        }
        catch (FormatException e)
        {
            throw new UsageException(
                $"{path} is not a settings file ({e.Message.TrimEnd('.')}); it must be a JSON object such as {{\"plugins\": {{\"<plugin>\": {{\"<setting>\": \"value\"}}}}}}");
        }

        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var top in configuration.GetChildren())
        {
            if (!string.Equals(top.Key, "plugins", StringComparison.OrdinalIgnoreCase))
            {
                throw new UsageException($"{path}: unknown key {top.Key}; settings go under \"plugins\" (e.g. plugins.<plugin>.<setting>)");
            }

            if (top.Value is not null)
            {
                throw new UsageException($"{path}: plugins must be an object of plugin sections, not a value");
            }

            foreach (var section in top.GetChildren())
            {
                var plugin = section.Key.ToLowerInvariant();
                if (section.Value is not null)
                {
                    throw new UsageException($"{path}: plugins.{section.Key} must be an object of settings, not a value");
                }

                if (!loadedPlugins.Contains(plugin))
                {
                    continue; // a plugin not installed on this node: its section waits for it
                }

                var declared = catalog.For(plugin).ToList();
                foreach (var entry in section.GetChildren())
                {
                    var setting = declared.FirstOrDefault(s => string.Equals(s.Name, entry.Key, StringComparison.OrdinalIgnoreCase));
                    if (setting is null)
                    {
                        var known = declared.Count > 0 ? $"it has {string.Join(", ", declared.Select(s => s.Name))}" : "it has no settings";
                        throw new UsageException($"{path}: plugins.{plugin}.{entry.Key} is not a setting of plugin {plugin} ({known})");
                    }

                    if (entry.Value is null && entry.GetChildren().Any())
                    {
                        throw new UsageException($"{path}: {setting.ConfigKey} must be a single value, not an object or a list");
                    }

                    if (entry.Value is { Length: > 0 } value)
                    {
                        values[$"{plugin}/{setting.Name}"] = value;
                    }
                }
            }
        }

        return values;
    }

    private static byte[] ReadBytes(string path)
    {
        // A link is followed (Kubernetes mounts a ConfigMap's files as links), to a regular file only: never
        // a FIFO that would block the run, never an unbounded read.
        var target = File.ResolveLinkTarget(path, returnFinalTarget: true)?.FullName ?? path;
        try
        {
            return SafeFile.TryRead(target, MaxBytes, out var content) switch
            {
                SafeFile.ReadOutcome.Read => content,
                SafeFile.ReadOutcome.TooLarge => throw new UsageException($"{path} is larger than 1 MiB: it is not a cocoon-net settings file"),
                _ => [],
            };
        }
        catch (UnsafeFileException e)
        {
            throw new UsageException($"{path}: {e.Message}");
        }
    }
}
