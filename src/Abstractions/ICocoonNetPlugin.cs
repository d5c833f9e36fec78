using Microsoft.Extensions.DependencyInjection;

namespace CocoonNet.Abstractions;

/// <summary>
/// The single entry point of a plugin assembly: exactly one public, non-abstract implementation with a
/// parameterless constructor. The host creates it, reads <see cref="Name"/>, <see cref="Platform"/> and
/// <c>Settings</c>, and calls <see cref="ConfigureServices"/> only when a command needs the plugin.
/// </summary>
public interface ICocoonNetPlugin
{
    /// <summary>
    /// Short plugin name, e.g. <c>gke</c>: lower-case letters, digits and '-'. Unique among loaded plugins;
    /// it names the plugin's settings (<c>COCOON_NET_&lt;NAME&gt;_&lt;SETTING&gt;</c>) and is recorded in pool.json.
    /// </summary>
    string Name { get; }

    /// <summary>The plugin's own version (semantic version string).</summary>
    string Version { get; }

    /// <summary>
    /// The platform this plugin serves, e.g. <c>gke</c>: lower-case letters, digits and '-'. Declared here
    /// only; <c>--platform</c>, detection and pool.json use it. Unique among loaded plugins.
    /// </summary>
    string Platform { get; }

    /// <summary>
    /// Registers the plugin's services in its own container: its <see cref="ICloudProvider"/> (with
    /// <see cref="PluginServiceCollectionExtensions.AddCloudProvider{T}"/>), optionally its
    /// <see cref="IHostNetworkBackend"/> (<see cref="PluginServiceCollectionExtensions.AddHostBackend{T}"/>),
    /// and whatever those need (HTTP clients, options, cloud clients). Nothing registered here is replaced
    /// by the host. The container already holds the host-owned services a plugin may inject and must not
    /// register: <see cref="IHostNetwork"/>, <see cref="IHostFileSystem"/>, <c>IPluginSettings</c>,
    /// <see cref="TimeProvider"/>, <c>ILoggerFactory</c> and <c>ILogger&lt;T&gt;</c> (log lines carry the plugin name).
    /// </summary>
    void ConfigureServices(IServiceCollection services);

#if !CONTRACT_2_0
    /// <summary>
    /// Settings the plugin reads through <c>IPluginSettings</c>. The host offers each one as a
    /// command-line flag on the commands it names (secrets excepted), as the environment variable
    /// <c>COCOON_NET_&lt;PLUGIN&gt;_&lt;NAME&gt;</c>, and in <c>/etc/cocoon-net/config.json</c> under
    /// <c>plugins.&lt;plugin&gt;.&lt;name&gt;</c>; flag over environment over file. Added in contract 2.1.
    /// </summary>
    IReadOnlyList<PluginSetting> Settings => [];
#endif
}
