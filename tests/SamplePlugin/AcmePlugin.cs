using CocoonNet.Abstractions;
using Microsoft.Extensions.DependencyInjection;

namespace Acme.CocoonNet.Plugin;

/// <summary>Entry point: names the plugin and registers its private services.</summary>
public sealed class AcmePlugin : ICocoonNetPlugin
{
    public string Name => "acme";

    public string Version => "0.3.1";

#if WRONG_ABI
    public int AbiVersion => 99;
#else
    public int AbiVersion => PluginAbi.Version;
#endif

    public IReadOnlyList<string> Platforms { get; } = ["acme"];

    public void ConfigureServices(IServiceCollection services) => services.AddSingleton<AcmeCloud>();
}

/// <summary>
/// Stands in for a cloud SDK client: hands out the first addresses of the subnet as "cloud-routed".
/// Resolved through the host's DI container into the provider below.
/// </summary>
public sealed class AcmeCloud
{
    public IReadOnlyList<System.Net.IPAddress> Allocate(System.Net.IPNetwork subnet, System.Net.IPAddress gateway, int count)
    {
        var bytes = subnet.BaseAddress.GetAddressBytes();
        var network = (uint)(bytes[0] << 24 | bytes[1] << 16 | bytes[2] << 8 | bytes[3]);
        var size = 1u << (32 - subnet.PrefixLength);
        var result = new List<System.Net.IPAddress>();
        for (var i = 1u; i < size - 1 && result.Count < count; i++)
        {
            var value = network + i;
            var ip = new System.Net.IPAddress(new[] { (byte)(value >> 24), (byte)(value >> 16), (byte)(value >> 8), (byte)value });
            if (!ip.Equals(gateway))
            {
                result.Add(ip);
            }
        }

        return result;
    }
}

public sealed class AcmeCloudProvider(AcmeCloud cloud) : ICloudProvider
{
    public string Platform => "acme";

    public Task<bool> DetectAsync(CancellationToken cancellationToken) =>
        Task.FromResult(Environment.GetEnvironmentVariable("ACME_CLOUD") == "1");

    public async Task<ProvisionResult> ProvisionAsync(ProvisionRequest request, IProvisionCheckpoint checkpoint, CancellationToken cancellationToken)
    {
        var resources = new CloudResources
        {
            SubnetId = $"acme-subnet-{request.NodeName}",
            Extra = new Dictionary<string, string> { ["reservation"] = $"rsv-{request.Subnet.BaseAddress}" },
        };
        var fresh = request.Previous.SubnetId is null;
        if (!request.DryRun && fresh)
        {
            await checkpoint.SaveAsync(resources, cancellationToken);
        }

        return new ProvisionResult(
            cloud.Allocate(request.Subnet, request.Gateway, request.PoolSize),
            resources,
            fresh ? [$"+ reserve {request.Subnet} as {resources.SubnetId}"] : []);
    }

    public Task<CloudStatus> GetStatusAsync(CloudResources resources, CancellationToken cancellationToken) =>
        Task.FromResult(new CloudStatus([new StatusField("SubnetID", resources.SubnetId ?? "")]));

    public Task<IReadOnlyList<string>> TeardownAsync(TeardownRequest request, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<string>>(request.Resources.SubnetId is { } id ? [$"- release {id}"] : []);
}

public sealed class AcmeHostBackend : IHostNetworkBackend
{
    public string Platform => "acme";

    public string DefaultPrimaryNic => "eth0";

    public Task<IReadOnlyList<string>> ResolveUplinksAsync(HostContext context, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<string>>([]);

    public Task<IReadOnlyList<string>> PrepareHostAsync(HostContext context, bool dryRun, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<string>>([]);

    public Task<IReadOnlyList<string>> CleanupHostAsync(HostContext context, bool dryRun, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<string>>([]);
}
