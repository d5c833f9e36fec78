using Microsoft.Extensions.DependencyInjection;

namespace CocoonNet.Abstractions;

/// <summary>
/// The single entry point of a plugin assembly. The host creates it with its parameterless constructor,
/// checks <see cref="AbiVersion"/>, calls <see cref="ConfigureServices"/>, then registers every
/// non-abstract <see cref="ICloudProvider"/> and <see cref="IHostNetworkBackend"/> of the assembly itself.
/// </summary>
public interface ICocoonNetPlugin
{
    /// <summary>Short plugin name, e.g. <c>gke</c>. Unique among loaded plugins.</summary>
    string Name { get; }

    /// <summary>The plugin's own version (semantic version string).</summary>
    string Version { get; }

    /// <summary>Implement as <c>=&gt; PluginAbi.Version</c>: the constant is compiled into the plugin.</summary>
    int AbiVersion { get; }

    /// <summary>
    /// Platform names this plugin serves, e.g. <c>gke</c>. Lower case. The host looks a platform's provider
    /// and backend up by this list and builds only that plugin's services for a run.
    /// </summary>
    IReadOnlyList<string> Platforms { get; }

    /// <summary>Adds the plugin's internal services (HTTP clients, options, clients of its cloud).</summary>
    void ConfigureServices(IServiceCollection services);
}
