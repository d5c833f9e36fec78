using System.Reflection;
using CocoonNet.Abstractions;
using CocoonNet.Host.Logging;
using CocoonNet.Node.State;
using Microsoft.Extensions.Logging;

namespace CocoonNet.Host.Plugins;

/// <summary>One subfolder of the plugins directory and what became of it.</summary>
internal sealed record DiscoveredPlugin(
    string Folder,
    string Name,
    string Version,
    Version? Contract,
    string? Platform,
    string? Error,
    ICocoonNetPlugin? Instance,
    Assembly? Assembly)
{
    public bool IsLoaded => Error is null && Instance is not null;

    /// <summary>The settings the plugin declares (checked: valid, distinct names); empty when not loaded.</summary>
    public IReadOnlyList<PluginSetting> Settings { get; init; } = [];

    public string Status => Error is null ? "loaded" : $"skipped: {Error}";
}

/// <summary>
/// Discovers plugins: every subfolder of the plugins directory is one plugin, loaded in its own
/// load context that shares only the contract and the Microsoft.Extensions abstractions with the host.
/// A plugin that is insecure, broken or built for an unsupported contract is reported and skipped, never fatal.
/// </summary>
internal static class PluginCatalog
{
    /// <summary>
    /// Loads every plugin of <paramref name="directory"/>: instances only (their name, platform and declared
    /// settings, which the command line needs before it is parsed); no plugin's services are configured here.
    /// </summary>
    public static IReadOnlyList<DiscoveredPlugin> Discover(string directory, bool allowInsecure, ILogger logger) =>
        Discover(directory, allowInsecure, logger, loaded: null);

    /// <summary>
    /// Loads only the plugin named <paramref name="name"/> (the one pool.json records) from its folder of that
    /// name, the layout every package installs; when that folder holds no plugin of that name, or one that does
    /// not load, every plugin is loaded as <see cref="Discover(string, bool, ILogger)"/> does (a folder is never
    /// loaded twice), so the run sees what it always did.
    /// </summary>
    public static IReadOnlyList<DiscoveredPlugin> DiscoverNamed(string directory, string name, bool allowInsecure, ILogger logger)
    {
        var folder = Path.Combine(directory, name);
        if (!IsName(name) || !Directory.Exists(folder))
        {
            return Discover(directory, allowInsecure, logger);
        }

        var plugin = Load(folder, RootProblem(directory, allowInsecure), allowInsecure);
        return plugin.IsLoaded && plugin.Name == name ? [plugin] : Discover(directory, allowInsecure, logger, plugin);
    }

    private static List<DiscoveredPlugin> Discover(string directory, bool allowInsecure, ILogger logger, DiscoveredPlugin? loaded)
    {
        if (!Directory.Exists(directory))
        {
            logger.NoPluginsDirectory(directory);
            return [];
        }

        var rootProblem = RootProblem(directory, allowInsecure);
        var plugins = new List<DiscoveredPlugin>();
        foreach (var folder in Directory.EnumerateDirectories(directory).Order(StringComparer.Ordinal))
        {
            var plugin = loaded?.Folder == folder ? loaded : Load(folder, rootProblem, allowInsecure);
            if (plugin.IsLoaded && plugins.FirstOrDefault(p => p.IsLoaded && (p.Name == plugin.Name || p.Platform == plugin.Platform)) is { } other)
            {
                plugin = plugin with
                {
                    Error = other.Name == plugin.Name
                        ? $"another plugin named {plugin.Name} is already loaded (from {other.Folder})"
                        : $"plugin {other.Name} already serves platform {plugin.Platform}",
                    Instance = null,
                };
            }

            if (!plugin.IsLoaded)
            {
                logger.PluginSkipped(folder, plugin.Error!);
            }

            plugins.Add(plugin);
        }

        return plugins;
    }

    private static string? RootProblem(string directory, bool allowInsecure) =>
        allowInsecure ? null : FileOwnership.WhyTreeWritableByOthers(directory);

    private static DiscoveredPlugin Load(string folder, string? rootProblem, bool allowInsecure)
    {
        var name = Path.GetFileName(folder);
        DiscoveredPlugin Failed(string error, Version? contract = null) => new(folder, name, "", contract, null, error, null, null);

        var insecure = rootProblem ?? (allowInsecure ? null : WhyFolderInsecure(folder));
        if (insecure is not null)
        {
            return Failed($"insecure: {insecure} (or pass --allow-insecure-plugins)");
        }

        var mainAssembly = FindMainAssembly(folder);
        if (mainAssembly is null)
        {
            return Failed("no plugin assembly (expected one <Name>.deps.json with its <Name>.dll)");
        }

        // Everything that reads the plugin's files or runs its code: a FIFO put where a file belongs, or an
        // entry point that never returns, costs the deadline, not the command.
        return PluginDeadline.TryRun(name, () => Open(folder, name, mainAssembly, allowInsecure), out var opened)
            ? opened
            : Failed($"did not load within {PluginDeadline.Shown}: its entry point (or a read of its files) never returned");
    }

    /// <summary>Reads, loads and creates the plugin's entry point; runs under <see cref="PluginDeadline"/>.</summary>
    private static DiscoveredPlugin Open(string folder, string name, string mainAssembly, bool allowInsecure)
    {
        DiscoveredPlugin Failed(string error, Version? contract = null) => new(folder, name, "", contract, null, error, null, null);

        var depsFile = Path.ChangeExtension(mainAssembly, ".deps.json");
        if (File.Exists(depsFile) && DepsFile.WhyInvalid(depsFile) is { } invalid)
        {
            return Failed($"invalid {Path.GetFileName(depsFile)}: {invalid}");
        }

        Version? contract;
        try
        {
            contract = ContractReference.Read(mainAssembly);
        }
        catch (Exception e) when (e is BadImageFormatException or IOException or UnauthorizedAccessException)
        {
            return Failed($"cannot read {Path.GetFileName(mainAssembly)}: {e.Message}");
        }

        if (ContractReference.WhyUnsupported(contract) is { } unsupported)
        {
            return Failed(unsupported, contract);
        }

        Assembly assembly;
        Type[] types;
        try
        {
            assembly = new PluginLoadContext(mainAssembly, checkFiles: !allowInsecure).LoadChecked(mainAssembly);
            types = assembly.GetExportedTypes();
        }
        catch (PluginFileException e)
        {
            return Failed($"insecure: {e.Message} (or pass --allow-insecure-plugins)", contract);
        }
        catch (Exception e) when (e is BadImageFormatException or FileLoadException or FileNotFoundException or ReflectionTypeLoadException or TypeLoadException
            or InvalidOperationException)
        {
            // InvalidOperationException: the runtime's resolver refusing a .deps.json the shape check let through.
            return Failed($"cannot load {Path.GetFileName(mainAssembly)}: {OneLine(e.Message)}", contract);
        }

        var entryTypes = types.Where(t => typeof(ICocoonNetPlugin).IsAssignableFrom(t) && t is { IsAbstract: false, IsInterface: false }).ToList();
        if (entryTypes.Count != 1)
        {
            return Failed($"expected exactly one public ICocoonNetPlugin implementation, found {entryTypes.Count}", contract);
        }

        ICocoonNetPlugin instance;
        try
        {
            instance = (ICocoonNetPlugin)Activator.CreateInstance(entryTypes[0])!;
        }
        catch (Exception e) when (e is TargetInvocationException or MissingMethodException)
        {
            return Failed($"cannot create {entryTypes[0].FullName}: {OneLine((e.InnerException ?? e).Message)}", contract);
        }

        string pluginName, version, platform;
        IReadOnlyList<PluginSetting> settings;
        try
        {
            (pluginName, version, platform) = (instance.Name, instance.Version, instance.Platform);
            settings = instance.Settings ?? [];
        }
        catch (Exception e)
        {
            return Failed($"its entry point failed: {OneLine(e.Message)}", contract);
        }

        if (!IsName(pluginName) || !IsName(platform))
        {
            return Failed($"name \"{OneLine(pluginName ?? "")}\" or platform \"{OneLine(platform ?? "")}\" is not lower-case letters, digits and '-'", contract);
        }

        if (WhySettingsInvalid(settings) is { } badSettings)
        {
            return Failed(badSettings, contract);
        }

        return new DiscoveredPlugin(folder, pluginName, version ?? "", contract, platform, null, instance, assembly) { Settings = settings };
    }

    /// <summary>Settings name flags, variables and config keys: each must be a valid, distinct name with a description.</summary>
    private static string? WhySettingsInvalid(IReadOnlyList<PluginSetting> settings)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var setting in settings)
        {
            if (setting is null || !IsName(setting.Name))
            {
                return $"setting \"{OneLine(setting?.Name ?? "")}\": a setting name is lower-case letters, digits and '-', starting with a letter";
            }

            if (!seen.Add(setting.Name))
            {
                return $"setting {setting.Name} is declared twice";
            }

            if (string.IsNullOrWhiteSpace(setting.Description) || setting.Type is not (SettingType.Text or SettingType.WholeNumber or SettingType.Switch))
            {
                return $"setting {setting.Name} has no description or an unknown type";
            }
        }

        return null;
    }

    /// <summary><c>^[a-z][a-z0-9-]{0,31}$</c>: names flags, environment variables and pool.json entries.</summary>
    internal static bool IsName(string? name) => PluginName.IsValid(name);

    /// <summary>The runtime's load errors span lines; the plugins table has one per plugin.</summary>
    private static string OneLine(string message) =>
        string.Join(" ", message.Split(['\r', '\n'], StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries));

    private static string? WhyFolderInsecure(string folder) =>
        FileOwnership.WhyWritableByOthers(folder)
        ?? Directory.EnumerateFileSystemEntries(folder, "*", SearchOption.AllDirectories)
            .Select(FileOwnership.WhyWritableByOthers)
            .FirstOrDefault(reason => reason is not null);

    private static string? FindMainAssembly(string folder)
    {
        var deps = Directory.GetFiles(folder, "*.deps.json");
        var candidate = deps.Length == 1
            ? Path.Combine(folder, Path.GetFileName(deps[0])[..^".deps.json".Length] + ".dll")
            : Path.Combine(folder, Path.GetFileName(folder) + ".dll");
        return File.Exists(candidate) ? candidate : null;
    }
}
