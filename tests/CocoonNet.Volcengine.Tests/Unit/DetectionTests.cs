using System.Net;
using CocoonNet.Abstractions;
using CocoonNet.Providers.Volcengine;
using CocoonNet.Providers.Volcengine.Metadata;
using CocoonNet.Volcengine.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using NSubstitute;

namespace CocoonNet.Volcengine.Tests.Unit;

/// <summary>
/// "A cheap local signal first": without a Volcengine sign in DMI (or an explicit metadata URL) detection
/// sends nothing to the metadata address. The plugin's own container is built as the host builds it.
/// </summary>
public sealed class DetectionTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), $"cocoon-volc-dmi-{Guid.NewGuid():N}");
    private readonly Probe _probe = new();
    private readonly List<ServiceProvider> _containers = [];

    [Fact]
    public async Task Without_a_dmi_sign_nothing_is_sent()
    {
        Assert.False(await DetectAsync());
        Assert.Empty(_probe.Requests);
    }

    [Fact]
    public async Task Another_clouds_dmi_is_no_sign()
    {
        Dmi("sys_vendor", "Google\n");
        Dmi("product_name", "Google Compute Engine\n");
        Assert.False(await DetectAsync());
        Assert.Empty(_probe.Requests);
    }

    [Theory]
    [InlineData("sys_vendor", "Volcengine\n")]
    [InlineData("product_name", "VOLCENGINE ECS\n")]
    [InlineData("bios_vendor", "ByteDance\n")]
    [InlineData("chassis_asset_tag", "volcengine-ecs\n")]
    public async Task A_dmi_sign_lets_the_metadata_server_confirm(string file, string text)
    {
        Dmi(file, text);
        Assert.True(await DetectAsync());
        Assert.Equal(["http://100.96.0.96/latest/api/token", "http://100.96.0.96/volcstack/latest/instance_id"], _probe.Requests);
    }

    [Fact]
    public async Task A_dmi_sign_without_a_metadata_server_is_not_volcengine()
    {
        Dmi("sys_vendor", "Volcengine\n");
        _probe.InstanceId = null;
        Assert.False(await DetectAsync());
        Assert.Equal(2, _probe.Requests.Count); // the token endpoint, then the instance id
    }

    [Fact]
    public async Task An_explicit_metadata_url_is_probed_without_a_sign()
    {
        Assert.True(await DetectAsync(new Dictionary<string, string> { ["metadata-url"] = "http://127.0.0.1:8082/volcstack/latest/" }));
        Assert.Equal(["http://127.0.0.1:8082/latest/api/token", "http://127.0.0.1:8082/volcstack/latest/instance_id"], _probe.Requests);
    }

    [Fact]
    public void The_local_signal_is_a_dmi_sign_or_an_explicit_metadata_url()
    {
        Assert.False(Fallback(null).SeesLocalSignal());
        Assert.True(Fallback(new Dictionary<string, string> { ["metadata-url"] = "http://127.0.0.1:8082/volcstack/latest/" }).SeesLocalSignal());
        Dmi("bios_vendor", "ByteDance\n");
        Assert.True(Fallback(null).SeesLocalSignal());
        Assert.Empty(_probe.Requests);
    }

    [Fact]
    public async Task The_fallback_probe_asks_the_default_address_without_a_sign()
    {
        Assert.True(await Fallback(null).ProbeAsync(CancellationToken.None));
        Assert.Equal(["http://100.96.0.96/latest/api/token", "http://100.96.0.96/volcstack/latest/instance_id"], _probe.Requests);
    }

    [Theory]
    [InlineData("<html>captive portal</html>")]
    [InlineData(null)]
    public async Task The_fallback_probe_needs_an_instance_id(string? answer)
    {
        _probe.InstanceId = answer;
        Assert.False(await Fallback(null).ProbeAsync(CancellationToken.None));
    }

    [Fact]
    public void The_plugins_container_validates_over_the_host_owned_services()
    {
        using var services = Services(null);
        var provider = Assert.Single(services.GetServices<ICloudProvider>());
        Assert.NotNull(provider);
        Assert.Single(services.GetServices<IHostNetworkBackend>());
    }

    [Fact]
    public void Host_owned_services_are_never_registered_by_the_plugin()
    {
        var services = new ServiceCollection();
        new VolcenginePlugin().ConfigureServices(services);

        Type[] hostOwned = [typeof(TimeProvider), typeof(IHostNetwork), typeof(IHostFileSystem), typeof(IPluginSettings)];
        Assert.DoesNotContain(services, d => hostOwned.Contains(d.ServiceType));
        Assert.Equal("volcengine", new VolcenginePlugin().Platform);
    }

    public void Dispose()
    {
        _containers.ForEach(c => c.Dispose());
        try
        {
            Directory.Delete(_root, recursive: true);
        }
        catch (DirectoryNotFoundException)
        {
        }
    }

    private async Task<bool> DetectAsync(Dictionary<string, string>? settings = null)
    {
        using var services = Services(settings);
        return await services.GetRequiredService<ICloudProvider>().DetectAsync(CancellationToken.None);
    }

    private IDetectionFallback Fallback(Dictionary<string, string>? settings)
    {
        var services = Services(settings);
        _containers.Add(services);
        return Assert.IsAssignableFrom<IDetectionFallback>(services.GetRequiredService<ICloudProvider>());
    }

    private void Dmi(string file, string text)
    {
        var path = Path.Combine(_root, "sys/class/dmi/id", file);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
    }

    /// <summary>The host-owned services, then the plugin's registrations, with the metadata transport stubbed.</summary>
    private ServiceProvider Services(Dictionary<string, string>? settings)
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton(Substitute.For<IHostNetwork>());
        var files = Substitute.For<IHostFileSystem>();
        files.PathOf(Arg.Any<string>()).Returns(call => Path.Combine(_root, call.Arg<string>().TrimStart('/')));
        services.AddSingleton(files);
        services.AddSingleton<IPluginSettings>(new FakePluginSettings(settings));
        new VolcenginePlugin().ConfigureServices(services);
        services.AddHttpClient<MetadataClient>().ConfigurePrimaryHttpMessageHandler(() => _probe);
        return services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });
    }

    /// <summary>Records every request; answers instance_id like a metadata server (or 404 when <see cref="InstanceId"/> is null).</summary>
    private sealed class Probe : HttpMessageHandler
    {
        public List<string> Requests { get; } = [];

        public string? InstanceId { get; set; } = "i-0123456789";

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            lock (Requests)
            {
                Requests.Add(request.RequestUri!.ToString());
            }

            return Task.FromResult(InstanceId is { } id
                ? new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent(id) }
                : new HttpResponseMessage(HttpStatusCode.NotFound));
        }
    }
}
