using System.Reflection;
using System.Runtime.Loader;

namespace CocoonNet.Host.Plugins;

/// <summary>
/// One plugin folder's load context. Every assembly the host also has (the contract, the DI and logging
/// abstractions, Options, Http, ...) resolves to the host's copy when the host's version is at least the
/// one asked for, so the contract's types are the host's; anything else comes from the plugin's folder by
/// its .deps.json, through the runtime's own resolver.
/// <para>
/// Each of the plugin's files is checked as it loads, not only at discovery: an assembly is loaded from
/// the stream <see cref="PluginFile"/> opened and checked, so a dependency replaced or made writable after
/// discovery (the agent loads dependencies long after it starts) is refused, and the bytes checked are the
/// bytes loaded. (McMaster.NETCore.Plugins' context is internal and opens files by path, with no hook before
/// a file is opened: it cannot close that window.)
/// </para>
/// </summary>
internal sealed class PluginLoadContext : AssemblyLoadContext
{
    private readonly string _folder;
    private readonly AssemblyDependencyResolver _resolver;
    private readonly bool _checkFiles;

    /// <param name="mainAssembly">The plugin's entry assembly.</param>
    /// <param name="checkFiles">False only under --allow-insecure-plugins.</param>
    public PluginLoadContext(string mainAssembly, bool checkFiles)
        : base(Path.GetFileNameWithoutExtension(mainAssembly))
    {
        _folder = Path.GetDirectoryName(Path.GetFullPath(mainAssembly))!;
        _resolver = new AssemblyDependencyResolver(mainAssembly);
        _checkFiles = checkFiles;
    }

    /// <summary>Loads <paramref name="path"/> (a file of the plugin's folder) once it passes the checks.</summary>
    /// <exception cref="PluginFileException">The file is refused.</exception>
    public Assembly LoadChecked(string path)
    {
        if (!_checkFiles)
        {
            return LoadFromAssemblyPath(Path.GetFullPath(path));
        }

        using var stream = PluginFile.OpenChecked(_folder, path);
        return LoadFromStream(stream);
    }

    protected override Assembly? Load(AssemblyName assemblyName)
    {
        try
        {
            return Default.LoadFromAssemblyName(assemblyName);
        }
        catch (Exception e) when (e is FileNotFoundException or FileLoadException)
        {
            // Not the host's, or older than the plugin needs: the plugin's own copy below.
        }

        var path = _resolver.ResolveAssemblyToPath(assemblyName)
            ?? (assemblyName.Name is { } name && File.Exists(Path.Combine(_folder, name + ".dll")) ? Path.Combine(_folder, name + ".dll") : null);
        return path is null ? null : LoadChecked(path);
    }

    /// <summary>
    /// A native library is checked the same way but loaded by path (the dynamic loader takes no stream):
    /// the window left is between this check and dlopen, in a folder only root can write.
    /// </summary>
    protected override nint LoadUnmanagedDll(string unmanagedDllName)
    {
        if (_resolver.ResolveUnmanagedDllToPath(unmanagedDllName) is not { } path)
        {
            return 0;
        }

        if (_checkFiles)
        {
            PluginFile.OpenChecked(_folder, path).Dispose();
        }

        return LoadUnmanagedDllFromPath(path);
    }
}
