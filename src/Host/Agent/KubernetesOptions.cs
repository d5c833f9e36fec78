using System.Net;
using CocoonNet.Host.Operations;

namespace CocoonNet.Host.Agent;

/// <summary>
/// The agent's Kubernetes mode as the flags give it. Plain values only: the CLI builds it for every agent run, and
/// the Kubernetes client assembly must load only once this mode runs.
/// </summary>
/// <param name="NodeName">This node's name in the cluster (--node-name, else NODE_NAME).</param>
/// <param name="Kubeconfig">--kubeconfig, else KUBECONFIG; null means the in-cluster service account.</param>
/// <param name="ClusterVmCidr">--cluster-vm-cidr: the range node subnets are allocated from; null means no allocation.</param>
/// <param name="NodeSubnetPrefix">--node-subnet-prefix: each node's share of the range.</param>
/// <param name="LeaseNamespace">Where subnet leases live (--lease-namespace, else POD_NAMESPACE, else cocoon-net).</param>
/// <param name="LeaseGcGrace">An orphan lease (its node gone) older than this is deleted.</param>
/// <param name="Mode">--mode as given (init/adopt), null when the annotation or pool.json decides.</param>
/// <param name="Flags">The node flags as given; each one wins over its annotation.</param>
internal sealed record KubernetesOptions(
    string NodeName,
    string? Kubeconfig,
    IPNetwork? ClusterVmCidr,
    int NodeSubnetPrefix,
    string LeaseNamespace,
    TimeSpan LeaseGcGrace,
    string? Mode,
    NodeInput Flags)
{
    public const string DefaultNamespace = "cocoon-net";

    public const int DefaultNodeSubnetPrefix = 24;

    public static readonly TimeSpan DefaultLeaseGcGrace = TimeSpan.FromMinutes(10);

    /// <summary>Set by Kubernetes in every pod: the agent runs in-cluster unless told otherwise.</summary>
    public const string ServiceHostVariable = "KUBERNETES_SERVICE_HOST";

    /// <summary>--cluster-vm-cidr and --node-subnet-prefix checked together: bad input is one sentence, before anything runs.</summary>
    public static void CheckAllocation(IPNetwork? range, int prefix)
    {
        if (prefix is < 1 or > 30)
        {
            throw new UsageException($"--node-subnet-prefix {prefix}: use 1-30 (e.g. 24 for 253 VM addresses per node)");
        }

        if (range is { } r && prefix <= r.PrefixLength)
        {
            throw new UsageException(
                $"--node-subnet-prefix {prefix} is not longer than --cluster-vm-cidr {r}: each node gets a part of the range (e.g. --node-subnet-prefix {Math.Min(30, r.PrefixLength + 8)})");
        }
    }

    /// <summary>A Kubernetes node name: a DNS subdomain (RFC 1123), which is also what the node flags accept.</summary>
    public static string CheckNodeName(string? flag, string? variable)
    {
        var name = (flag ?? variable)?.Trim() ?? "";
        if (name.Length == 0)
        {
            throw new UsageException("the node's name is unknown: give --node-name, or set NODE_NAME (in a pod: env from fieldRef spec.nodeName)");
        }

        return name;
    }
}
