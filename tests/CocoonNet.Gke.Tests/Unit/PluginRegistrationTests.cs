using CocoonNet.Abstractions;
using CocoonNet.Providers.Gke;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using NSubstitute;

namespace CocoonNet.Gke.Tests.Unit;

/// <summary>The plugin registers the documented way, in its own container, and never a host-owned service.</summary>
public sealed class PluginRegistrationTests
{
    [Fact]
    public void The_plugin_declares_its_platform_once_and_no_settings()
    {
        var plugin = new GkePlugin();
        Assert.Equal("gke", plugin.Name);
        Assert.Equal("gke", plugin.Platform);
        Assert.Empty(((ICocoonNetPlugin)plugin).Settings);
    }

    [Fact]
    public void Host_owned_services_are_never_registered_by_the_plugin()
    {
        var services = new ServiceCollection();
        new GkePlugin().ConfigureServices(services);

        // (AddHttpClient brings logging with TryAdd: the host's factory, registered first, stays; see below.)
        Type[] hostOwned = [typeof(TimeProvider), typeof(IHostNetwork), typeof(IHostFileSystem), typeof(IPluginSettings)];
        Assert.DoesNotContain(services, d => hostOwned.Contains(d.ServiceType));
        Assert.Single(services, d => d.ServiceType == typeof(ICloudProvider));
        Assert.Single(services, d => d.ServiceType == typeof(IHostNetworkBackend));
    }

    [Fact]
    public void The_container_validates_over_the_host_owned_services()
    {
        var services = new ServiceCollection();
        using var hostLogging = LoggerFactory.Create(_ => { });
        services.AddSingleton(hostLogging);
        services.AddSingleton(typeof(ILogger<>), typeof(Logger<>));
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton(Substitute.For<IHostNetwork>());
        services.AddSingleton(Substitute.For<IHostFileSystem>());
        services.AddSingleton(Substitute.For<IPluginSettings>());
        new GkePlugin().ConfigureServices(services);

        using var provider = services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });
        Assert.Single(provider.GetServices<ICloudProvider>());
        Assert.Single(provider.GetServices<IHostNetworkBackend>());
        Assert.Same(hostLogging, provider.GetRequiredService<ILoggerFactory>());
    }
}
