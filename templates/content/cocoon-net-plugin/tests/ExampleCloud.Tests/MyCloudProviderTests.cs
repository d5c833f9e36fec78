using System.Net;
using System.Reflection;
using CocoonNet.Abstractions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace ExampleCloud.Tests;

public sealed class MyCloudProviderTests : IDisposable
{
    private readonly TemporaryHostFileSystem _files = new();
    private readonly MyCloudApi _api;
    private readonly MyCloudProvider _provider;

    public MyCloudProviderTests()
    {
        _api = new MyCloudApi(_files);
        _provider = new MyCloudProvider(_api, _files, new FixedSettings([]), NullLogger<MyCloudProvider>.Instance);
    }

    public void Dispose() => _files.Dispose();

    [Fact]
    public void The_plugin_builds_its_container_the_way_the_host_does()
    {
        // What the host registers before ConfigureServices; ValidateOnBuild catches a dependency nobody provides.
        var services = new ServiceCollection()
            .AddSingleton<IHostFileSystem>(_files)
            .AddSingleton<IPluginSettings>(new FixedSettings([]))
            .AddSingleton(TimeProvider.System)
            .AddSingleton<ILoggerFactory>(NullLoggerFactory.Instance)
            .AddSingleton(typeof(ILogger<>), typeof(Logger<>));
        var plugin = new MyCloudPlugin();
        plugin.ConfigureServices(services);
        using var provider = services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });

        Assert.IsType<MyCloudProvider>(provider.GetRequiredService<ICloudProvider>());
        Assert.Equal(plugin.Name, plugin.Platform);
        Assert.Matches("^[a-z0-9-]+$", plugin.Name);
        Assert.All(plugin.Settings, setting => Assert.Matches("^[a-z][a-z0-9-]*$", setting.Name));
    }

    [Fact]
    public void The_declared_version_is_the_project_version()
    {
        var informational = typeof(MyCloudPlugin).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()!.InformationalVersion;
        Assert.Equal(informational.Split('+')[0], new MyCloudPlugin().Version);
    }

    [Fact]
    public async Task Detection_is_no_at_once_without_the_local_sign()
    {
        Assert.False(await _provider.DetectAsync(CancellationToken.None));
        Directory.CreateDirectory(Path.GetDirectoryName(_files.PathOf(MyCloudProvider.InstanceMarker))!);
        await File.WriteAllTextAsync(_files.PathOf(MyCloudProvider.InstanceMarker), "i-0123");
        Assert.True(await _provider.DetectAsync(CancellationToken.None));
    }

    [Theory]
    [InlineData("10.0.0.0/8", 20, "--subnet 10.0.0.0/8")]
    [InlineData("172.20.0.0/16", 251, "--pool-size 251")]
    public async Task Limits_are_reported_before_anything_changes(string subnet, int size, string expected)
    {
        var problem = await _provider.ValidateAsync(Request(subnet, size), CancellationToken.None);
        Assert.StartsWith(expected, problem, StringComparison.Ordinal);
        Assert.Null(await _provider.ValidateAsync(Request("172.20.100.0/24", 20), CancellationToken.None));
    }

    [Fact]
    public async Task Provisioning_checkpoints_before_it_reserves_and_a_rerun_changes_nothing()
    {
        var checkpoint = new RecordingCheckpoint(_api);
        var first = await _provider.ProvisionAsync(Request("172.20.100.0/24", 20), checkpoint, CancellationToken.None);

        var save = Assert.Single(checkpoint.Saves);
        Assert.False(save.ReservationExisted, "the checkpoint must come before the reservation is made");
        Assert.Equal("node-1-vms", save.Resources.Value(MyCloudProvider.ReservationKey));
        Assert.Equal(ChangeKind.Create, Assert.Single(first.Changes).Kind);
        Assert.Equal(20, first.Ips.Count);
        Assert.Equal(IPAddress.Parse("172.20.100.2"), first.Ips[0]);
        Assert.NotNull(await _api.FindAsync("node-1-vms", CancellationToken.None));

        var again = new RecordingCheckpoint(_api);
        var rerun = await _provider.ProvisionAsync(Request("172.20.100.0/24", 20) with { Previous = first.Resources }, again, CancellationToken.None);
        Assert.Empty(rerun.Changes);
        Assert.Empty(again.Saves);
        Assert.Equal(first.Ips, rerun.Ips);
        Assert.Equal(first.Resources, rerun.Resources);
    }

    [Fact]
    public async Task A_dry_run_plans_and_changes_nothing()
    {
        var checkpoint = new RecordingCheckpoint(_api);
        var plan = await _provider.ProvisionAsync(Request("172.20.100.0/24", 20) with { DryRun = true }, checkpoint, CancellationToken.None);

        Assert.Equal("+ reserve node-1-vms (20 addresses of 172.20.100.0/24 in zone-a)", Assert.Single(plan.Changes).ToString());
        Assert.Empty(checkpoint.Saves);
        Assert.Null(await _api.FindAsync("node-1-vms", CancellationToken.None));
    }

    [Fact]
    public async Task Teardown_releases_what_was_recorded_and_then_nothing()
    {
        var result = await _provider.ProvisionAsync(Request("172.20.100.0/24", 20), new RecordingCheckpoint(_api), CancellationToken.None);
        var teardown = new TeardownRequest { NodeName = "node-1", Subnet = IPNetwork.Parse("172.20.100.0/24"), Resources = result.Resources };

        Assert.Equal("- release node-1-vms (20 addresses)", Assert.Single(await _provider.TeardownAsync(teardown with { DryRun = true }, CancellationToken.None)).ToString());
        Assert.NotNull(await _api.FindAsync("node-1-vms", CancellationToken.None));
        Assert.Single(await _provider.TeardownAsync(teardown, CancellationToken.None));
        Assert.Null(await _api.FindAsync("node-1-vms", CancellationToken.None));
        Assert.Empty(await _provider.TeardownAsync(teardown, CancellationToken.None));
        Assert.False(Directory.Exists(_files.PathOf("/var/lib/examplecloud")), "the stand-in cloud keeps nothing once empty");
    }

    [Fact]
    public async Task Status_shows_the_reservation_or_that_it_is_missing()
    {
        var result = await _provider.ProvisionAsync(Request("172.20.100.0/24", 20), new RecordingCheckpoint(_api), CancellationToken.None);
        Assert.Equal("node-1-vms (20 addresses in zone-a)", Assert.Single((await _provider.GetStatusAsync(result.Resources, CancellationToken.None)).Fields).Value);
        await _api.DeleteAsync("node-1-vms", CancellationToken.None);
        Assert.Equal("node-1-vms (missing)", Assert.Single((await _provider.GetStatusAsync(result.Resources, CancellationToken.None)).Fields).Value);
    }

    private static ProvisionRequest Request(string subnet, int poolSize)
    {
        var network = IPNetwork.Parse(subnet);
        var bytes = network.BaseAddress.GetAddressBytes();
        bytes[3] += 1;
        return new ProvisionRequest
        {
            NodeName = "node-1",
            Pool = new AddressPool(network, new IPAddress(bytes)),
            PoolSize = poolSize,
        };
    }
}
