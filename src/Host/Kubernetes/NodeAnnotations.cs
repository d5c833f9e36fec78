using System.Globalization;
using System.Net;
using CocoonNet.Host.Operations;

namespace CocoonNet.Host.Kubernetes;

/// <summary>The agent's names on the Node and its leases (shared with the manifests and docs/kubernetes.md).</summary>
internal static class ClusterNames
{
    public const string Subnet = "cocoonstack.io/vm-subnet";
    public const string PoolSize = "cocoonstack.io/vm-pool-size";
    public const string Platform = "cocoonstack.io/vm-platform";
    public const string Mode = "cocoonstack.io/vm-mode";
    public const string Condition = "CocoonNetReady";
    public const string Resource = "cocoonstack.io/vm-ip";
    public const string LeaseLabel = "cocoonstack.io/vm-subnet-lease";
    public const string LeasePrefix = "vm-subnet-";

    /// <summary>Events on a Node live in "default" (a Node has no namespace; kubelet files its own Events there).</summary>
    public const string EventNamespace = "default";

    /// <summary>The annotations whose change re-configures the node.</summary>
    public static readonly string[] Configuration = [Subnet, PoolSize, Platform, Mode];

    /// <summary><c>vm-subnet-172-20-3-0-24</c> for 172.20.3.0/24 (a lease name is a DNS subdomain: no dots or slashes).</summary>
    public static string LeaseName(IPNetwork subnet) =>
        LeasePrefix + subnet.BaseAddress.ToString().Replace('.', '-') + "-" + subnet.PrefixLength.ToString(CultureInfo.InvariantCulture);

    /// <summary>The subnet a lease name stands for; null for a name that is not one of ours.</summary>
    public static IPNetwork? SubnetOf(string leaseName)
    {
        if (!leaseName.StartsWith(LeasePrefix, StringComparison.Ordinal))
        {
            return null;
        }

        var parts = leaseName[LeasePrefix.Length..].Split('-');
        if (parts.Length != 5)
        {
            return null;
        }

        return IPNetwork.TryParse($"{parts[0]}.{parts[1]}.{parts[2]}.{parts[3]}/{parts[4]}", out var subnet) ? subnet : null;
    }
}

/// <summary>The node configuration the annotations give; <see cref="Problem"/> names a bad annotation (then nothing else counts).</summary>
internal sealed record AnnotatedConfig(string? Mode, IPNetwork? Subnet, int? PoolSize, string? Platform, string? Problem)
{
    /// <summary>Reads the four annotations. A bad value is not a CLI error: the agent reports it on the Node and keeps serving.</summary>
    public static AnnotatedConfig From(IReadOnlyDictionary<string, string> annotations)
    {
        string? Get(string key) => annotations.TryGetValue(key, out var v) && !string.IsNullOrWhiteSpace(v) ? v.Trim() : null;

        var mode = Get(ClusterNames.Mode);
        if (mode is not (null or "init" or "adopt"))
        {
            return Bad($"annotation {ClusterNames.Mode}={mode}: use init or adopt");
        }

        IPNetwork? subnet = null;
        if (Get(ClusterNames.Subnet) is { } text)
        {
            try
            {
                subnet = NodeRequestValidator.ParseSubnet(text);
            }
            catch (UsageException e)
            {
                return Bad($"annotation {ClusterNames.Subnet}: {e.Message.Replace("--subnet ", "", StringComparison.Ordinal)}");
            }
        }

        int? poolSize = null;
        if (Get(ClusterNames.PoolSize) is { } size)
        {
            if (!int.TryParse(size, NumberStyles.None, CultureInfo.InvariantCulture, out var n) || n < 1)
            {
                return Bad($"annotation {ClusterNames.PoolSize}={size}: use a whole number of at least 1");
            }

            poolSize = n;
        }

        return new AnnotatedConfig(mode, subnet, poolSize, Get(ClusterNames.Platform), null);
    }

    /// <summary>The values that re-configure the node when they change (compared as text).</summary>
    public string Key => $"{Mode}|{Subnet}|{PoolSize}|{Platform}|{Problem}";

    private static AnnotatedConfig Bad(string problem) => new(null, null, null, null, problem);
}
