namespace CocoonNet.Providers.Volcengine.Provisioning;

/// <summary>
/// What the instance type allows: ENIs per instance (including the primary) and private IPv4 addresses
/// per ENI (including the ENI's primary address), as ECS DescribeInstanceTypes reports them.
/// </summary>
internal sealed record InstanceLimits(int MaxEnis, int MaxIpsPerEni)
{
    /// <summary>Used when the instance type cannot be looked up: upstream's assumptions (8 ENIs, 20 + 1 IPs).</summary>
    public static InstanceLimits Assumed { get; } = new(8, 21);

    public int SecondaryIpsPerEni(int wanted) => Math.Max(0, Math.Min(wanted, MaxIpsPerEni - 1));
}
