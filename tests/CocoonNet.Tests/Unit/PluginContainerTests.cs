using CocoonNet.Abstractions;
using CocoonNet.Host.Composition;
using CocoonNet.Node.Linux;
using CocoonNet.Host.Plugins;
using CocoonNet.Host.Settings;
using CocoonNet.Tests.Integration;
using CocoonNet.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace CocoonNet.Tests.Unit;

/// <summary>The registration model: each plugin's own container, nothing it registers replaced, host services not replaceable.</summary>
public sealed class PluginContainerTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), $"cocoon-containers-{Guid.NewGuid():N}");

    public PluginContainerTests() => Directory.CreateDirectory(_root);

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [BuildFact]
    public void Every_built_plugin_container_validates_and_resolves_what_it_registers()
    {
        var directory = PluginFolders.Create(_root, [.. Directory.GetDirectories(Path.Combine(TestEnvironment.OutDirectory, "plugins")).Select(Path.GetFileName)!, "acme"]);
        var plugins = PluginCatalog.Discover(directory, allowInsecure: false, NullLogger.Instance);
        using var host = Host();
        Assert.NotEmpty(plugins);
        foreach (var plugin in plugins)
        {
            Assert.True(plugin.IsLoaded, plugin.Status);
            using var container = PluginContainer.Build(plugin, host, PluginSettingsSource.Empty.For("none"), validate: true);
            // adopt registers nothing (generic: no cloud, plain Linux host side); the cloud plugins a provider.
            Assert.Equal(plugin.Name != "adopt", container.GetService<ICloudProvider>() is not null);
            _ = container.GetService<IHostNetworkBackend>();
        }
    }

    [BuildFact]
    public void What_a_plugin_registers_itself_is_never_replaced_by_the_hosts_scan()
    {
        // acme registers a public settings class by instance (its constructor takes a string the container
        // cannot supply): a scan that re-registered it as itself would leave init unable to resolve it.
        var plugin = PluginCatalog.Discover(PluginFolders.Create(_root, "acme"), allowInsecure: false, NullLogger.Instance).Single();
        using var host = Host();
        using var container = PluginContainer.Build(plugin, host, PluginSettingsSource.Empty.For("none"), validate: true);
        Assert.NotNull(container.GetRequiredService<ICloudProvider>());
    }

    [Fact]
    public void A_plugin_cannot_replace_a_host_owned_service()
    {
        using var host = Host();
        var plugin = InProcess(new Registering(s => s.AddSingleton(TimeProvider.System)));
        var e = Assert.Throws<PluginConfigurationException>(() => PluginContainer.Build(plugin, host, PluginSettingsSource.Empty.For("none")));
        Assert.Equal("plugin test registers TimeProvider, which cocoon-net provides to every plugin; remove that registration and inject it instead", e.Message);
    }

    [Fact]
    public void Two_providers_in_one_plugin_are_refused()
    {
        using var host = Host();
        var plugin = InProcess(new Registering(s => s.AddCloudProvider<FakeProvider>().AddCloudProvider<FakeProvider>()));
        var e = Assert.Throws<PluginConfigurationException>(() => PluginContainer.Build(plugin, host, PluginSettingsSource.Empty.For("none")));
        Assert.StartsWith("plugin test registers 2 cloud providers", e.Message);
    }

    [Fact]
    public void Plugins_do_not_share_registrations()
    {
        using var host = Host();
        using var a = PluginContainer.Build(InProcess(new Registering(s => s.AddSingleton(new Marker("a")))), host, PluginSettingsSource.Empty.For("none"));
        using var b = PluginContainer.Build(InProcess(new Registering(s => s.AddSingleton(new Marker("b")))), host, PluginSettingsSource.Empty.For("none"));
        Assert.Equal("a", a.GetRequiredService<Marker>().Value);
        Assert.Equal("b", b.GetRequiredService<Marker>().Value);
        Assert.Same(host.GetRequiredService<TimeProvider>(), a.GetRequiredService<TimeProvider>());
    }

    private static ServiceProvider Host()
    {
        var services = new ServiceCollection();
        services.AddSingleton(new CocoonNet.Host.Logging.StderrLoggerProvider(LogLevel.Error, TextWriter.Null));
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton(HostPaths.FromEnvironment());
        services.AddSingleton<IKernelNetwork>(NSubstitute.Substitute.For<IKernelNetwork>());
        services.AddSingleton<IHostNetwork, HostNetwork>();
        services.AddSingleton<IHostFileSystem, HostFileSystem>();
        return services.BuildServiceProvider();
    }

    /// <summary>A plugin in this process; the scan over this test assembly finds <see cref="FakeProvider"/> only when nothing is registered.</summary>
    private static DiscoveredPlugin InProcess(ICocoonNetPlugin plugin) =>
        new("/nowhere", plugin.Name, plugin.Version, PluginContract.Current, plugin.Platform, null, plugin, typeof(PluginContainerTests).Assembly);

    public sealed record Marker(string Value);

    private sealed class Registering(Action<IServiceCollection> configure) : ICocoonNetPlugin
    {
        public string Name => "test";

        public string Version => "1.0.0";

        public string Platform => "test";

        public void ConfigureServices(IServiceCollection services) => configure(services);
    }

    internal sealed class FakeProvider : ICloudProvider
    {
        public Task<bool> DetectAsync(CancellationToken cancellationToken) => Task.FromResult(false);

        public Task<ProvisionResult> ProvisionAsync(ProvisionRequest request, IProvisionCheckpoint checkpoint, CancellationToken cancellationToken) =>
            throw new NotSupportedException();

        public Task<CloudStatus> GetStatusAsync(CloudResources resources, CancellationToken cancellationToken) => Task.FromResult(CloudStatus.None);

        public Task<IReadOnlyList<PlanChange>> TeardownAsync(TeardownRequest request, CancellationToken cancellationToken) =>
            Task.FromResult<IReadOnlyList<PlanChange>>([]);
    }
}
