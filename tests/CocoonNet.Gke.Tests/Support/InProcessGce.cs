using System.Net.Http.Json;
using System.Text.Json;
using CocoonNet.Abstractions;
using CocoonNet.Emulators.Gce;
using CocoonNet.Providers.Gke;
using CocoonNet.Providers.Gke.Auth;
using CocoonNet.Providers.Gke.Compute;
using CocoonNet.Providers.Gke.Metadata;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using NSubstitute;

namespace CocoonNet.Gke.Tests.Support;

/// <summary>
/// The GCE emulator hosted in the test process on loopback, and the plugin's services wired to it as the
/// host would wire them (its own ConfigureServices), with the host's file system and network faked.
/// </summary>
internal sealed class InProcessGce : IAsyncDisposable
{
    private readonly WebApplication _app;

    private InProcessGce(WebApplication app, Uri address)
    {
        _app = app;
        Address = address;
        Control = new HttpClient { BaseAddress = address };
    }

    public Uri Address { get; }

    public HttpClient Control { get; }

    public FakeHost Host { get; } = new();

    public static async Task<InProcessGce> StartAsync(params string[] arguments)
    {
        var app = EmulatorApp.Create(["--urls", "http://127.0.0.1:0", "--OperationMilliseconds", "60", .. arguments]);
        await app.StartAsync();
        return new InProcessGce(app, new Uri(app.Urls.First().TrimEnd('/') + "/"));
    }

    /// <summary>The plugin's own container: what the host provides, then the plugin's registrations (validated as the host validates them).</summary>
    public ServiceProvider Services(Action<IServiceCollection>? configure = null)
    {
        var services = new ServiceCollection();
        services.AddLogging(b => b.SetMinimumLevel(LogLevel.Debug));
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton(Host.Network);
        services.AddSingleton<IHostFileSystem>(Host);
        new GkePlugin().ConfigureServices(services);
        services.Configure<GkeOptions>(o =>
        {
            o.MetadataHost = Address.Authority;
            o.MetadataHostOverridden = true;
            o.ComputeEndpoint = new Uri(Address, "compute/v1/").ToString();
        });
        services.AddSingleton<IAccessTokenSource, MetadataTokenSource>();
        services.AddSingleton(sp => new ComputeRetry(TimeProvider.System, NullLogger<ComputeRetry>.Instance)
        {
            BaseDelay = TimeSpan.FromMilliseconds(5),
            MaxDelay = TimeSpan.FromMilliseconds(20),
        });
        configure?.Invoke(services);
        return services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });
    }

    public ICloudProvider Provider(ServiceProvider services) => services.GetServices<ICloudProvider>().Single();

    public async Task<JsonElement> StateAsync() =>
        await Control.GetFromJsonAsync<JsonElement>("emulator/state");

    public async Task<int> MutationsAsync() => (await StateAsync()).GetProperty("mutations").GetInt32();

    public async Task<string> AliasesAsync(string instance)
    {
        var state = await StateAsync();
        var node = state.GetProperty("instances").EnumerateArray().Single(i => i.GetProperty("name").GetString() == instance);
        return node.TryGetProperty("aliasIpRanges", out var aliases)
            ? string.Join(", ", aliases.EnumerateArray().Select(a =>
                (a.TryGetProperty("subnetworkRangeName", out var n) ? n.GetString() + ":" : "") + a.GetProperty("ipCidrRange").GetString()))
            : "";
    }

    public async Task<string> RangesAsync()
    {
        var state = await StateAsync();
        return string.Join(", ", state.GetProperty("subnetwork").GetProperty("secondaryIpRanges").EnumerateArray()
            .Select(r => r.GetProperty("rangeName").GetString() + "=" + r.GetProperty("ipCidrRange").GetString()));
    }

    public async Task<IReadOnlyList<string>> RequestsAsync() =>
        await Control.GetFromJsonAsync<List<string>>("emulator/requests") ?? [];

    public async Task FaultsAsync(object faults) =>
        (await Control.PostAsJsonAsync("emulator/faults", faults)).EnsureSuccessStatusCode();

    public async Task SeedAliasesAsync(string instance, params (string Cidr, string? Range)[] aliases) =>
        (await Control.PutAsJsonAsync($"emulator/instances/{instance}/aliases",
            aliases.Select(a => new { ipCidrRange = a.Cidr, subnetworkRangeName = a.Range }).ToList())).EnsureSuccessStatusCode();

    public async Task SeedRangesAsync(params (string Name, string Cidr)[] ranges) =>
        (await Control.PutAsJsonAsync("emulator/subnetwork/secondary-ranges",
            ranges.Select(r => new { rangeName = r.Name, ipCidrRange = r.Cidr }).ToList())).EnsureSuccessStatusCode();

    public async ValueTask DisposeAsync()
    {
        Control.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
        Host.Dispose();
    }

    /// <summary>Tokens straight from the emulator's metadata token endpoint (ADC is covered end to end).</summary>
    private sealed class MetadataTokenSource(MetadataClient metadata) : IAccessTokenSource
    {
        public async Task<string> GetAccessTokenAsync(CancellationToken cancellationToken)
        {
            using var json = JsonDocument.Parse(await metadata.GetAsync("instance/service-accounts/default/token", cancellationToken));
            return json.RootElement.GetProperty("access_token").GetString()!;
        }
    }
}

/// <summary>A host file system under a temporary root, and a substitute network with no local routes.</summary>
internal sealed class FakeHost : IHostFileSystem, IDisposable
{
    public FakeHost()
    {
        Root = Path.Combine(Path.GetTempPath(), $"cocoon-gke-{Guid.NewGuid():N}");
        Directory.CreateDirectory(Root);
        Network.ListLocalRoutesAsync(default!, default).ReturnsForAnyArgs(Task.FromResult<IReadOnlyList<System.Net.IPNetwork>>([]));
    }

    public string Root { get; }

    public IHostNetwork Network { get; } = Substitute.For<IHostNetwork>();

    public string PathOf(string absolutePath) => Path.Combine(Root, absolutePath.TrimStart('/'));

    public void Write(string absolutePath, string text)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(PathOf(absolutePath))!);
        File.WriteAllText(PathOf(absolutePath), text);
    }

    public string? Read(string absolutePath) => File.Exists(PathOf(absolutePath)) ? File.ReadAllText(PathOf(absolutePath)) : null;

    public void Dispose()
    {
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

/// <summary>Records every checkpoint with the emulator's mutation count at that moment.</summary>
internal sealed class RecordingCheckpoint(InProcessGce gce) : IProvisionCheckpoint
{
    public List<(CloudResources Resources, int MutationsBefore)> Saves { get; } = [];

    public async Task SaveAsync(CloudResources resources, CancellationToken cancellationToken) =>
        Saves.Add((resources, await gce.MutationsAsync()));
}
