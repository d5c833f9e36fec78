using CocoonNet.Abstractions;
using Microsoft.Extensions.DependencyInjection;

namespace ExampleCloud;

/// <summary>
/// The plugin's entry point (the assembly's only public <see cref="ICocoonNetPlugin"/>): who it is, which
/// platform it serves, the settings it reads, and what goes into its own service container.
/// </summary>
public sealed class MyCloudPlugin : ICocoonNetPlugin
{
    /// <summary>The zone new reservations are made in (a recorded setting: re-runs keep the first value).</summary>
    internal const string ZoneSetting = "zone";

    /// <summary>The zone when none is configured.</summary>
    internal const string DefaultZone = "zone-a";

    /// <inheritdoc/>
    public string Name => "examplecloud";

    /// <inheritdoc/>
    /// <remarks>Keep it equal to &lt;Version&gt; in the project file (a test checks).</remarks>
    public string Version => "0.1.0";

    /// <inheritdoc/>
    public string Platform => "examplecloud";

    /// <inheritdoc/>
    /// <remarks>
    /// Offered as <c>--zone</c> on <c>init</c>, as <c>COCOON_NET_EXAMPLECLOUD_ZONE</c> and as
    /// <c>plugins.examplecloud.zone</c> in /etc/cocoon-net/config.json. Recorded: it decides where a re-run
    /// looks for the reservation, so pool.json keeps it and later runs reuse it.
    /// </remarks>
    public IReadOnlyList<PluginSetting> Settings { get; } =
    [
        new PluginSetting
        {
            Name = ZoneSetting,
            Description = "Zone of the example cloud the node's addresses are reserved in",
            Default = DefaultZone,
            Recorded = true,
            Commands = SettingCommands.Init,
        },
    ];

    /// <inheritdoc/>
    /// <remarks>
    /// Only the contract's registration helpers name the provider; everything else here is the plugin's own.
    /// The host already registered what it owns (IHostFileSystem, IHostNetwork, IPluginSettings, TimeProvider,
    /// logging): inject those, never register them.
    /// </remarks>
    public void ConfigureServices(IServiceCollection services)
    {
        services.AddSingleton<MyCloudApi>();
        services.AddCloudProvider<MyCloudProvider>();
    }
}
