using CocoonNet.Host.Operations;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace CocoonNet.Host.Kubernetes;

/// <summary>
/// <c>cocoon-net teardown --kubernetes</c>, after the node's own teardown: releases the subnet leases this node
/// holds (each at the resourceVersion read, never another node's) and removes the subnet annotation they gave.
/// </summary>
internal static class KubernetesTeardown
{
    public static async Task<int> RunAsync(IServiceProvider services, string nodeName, string? kubeconfig, string leaseNamespace, bool dryRun, CancellationToken cancellationToken)
    {
        var time = services.GetRequiredService<TimeProvider>();
        var logger = services.GetRequiredService<ILoggerFactory>().CreateLogger("cocoon-net");
        var output = services.GetRequiredService<ConsoleOutput>();
        using var api = KubernetesNodeApi.Create(kubeconfig, time, logger);
        var held = (await api.ListLeasesAsync(leaseNamespace, cancellationToken).ConfigureAwait(false)).Where(l => l.Holder == nodeName).ToList();
        if (dryRun)
        {
            foreach (var lease in held)
            {
                output.Line($"{"lease",-9} would delete {leaseNamespace}/{lease.Name}");
            }

            return ExitCodes.Success;
        }

        var released = await new LeaseKeeper(api, leaseNamespace, time, logger).ReleaseAsync(nodeName, cancellationToken).ConfigureAwait(false);
        foreach (var name in released)
        {
            output.Line($"{"lease",-9} - {leaseNamespace}/{name}");
        }

        // The annotation this node's allocation set: removed only when it names a subnet the node held a lease for.
        var node = await api.GetNodeAsync(nodeName, cancellationToken).ConfigureAwait(false);
        if (node is not null && node.Annotations.TryGetValue(ClusterNames.Subnet, out var annotated)
            && held.Any(l => ClusterNames.SubnetOf(l.Name)?.ToString() == annotated))
        {
            await api.PatchAnnotationsAsync(nodeName, new Dictionary<string, string?> { [ClusterNames.Subnet] = null }, cancellationToken).ConfigureAwait(false);
            output.Line($"{"node",-9} - annotation {ClusterNames.Subnet}={annotated}");
        }

        return ExitCodes.Success;
    }
}
