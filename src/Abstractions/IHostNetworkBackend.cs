namespace CocoonNet.Abstractions;

/// <summary>
/// The platform's host-side specifics that the shared host pipeline asks for. The pipeline itself
/// configures the bridge, sysctls, routes, iptables, DHCP and CNI; a backend only answers questions and
/// prepares what is particular to its platform (e.g. bringing secondary NICs up). Optional: register it
/// with <see cref="PluginServiceCollectionExtensions.AddHostBackend{T}"/> when the platform needs one.
/// </summary>
public interface IHostNetworkBackend
{
    /// <summary>Primary NIC to use when neither the flag nor the host's default route names one.</summary>
    string DefaultPrimaryNic { get; }

    /// <summary>
    /// The NICs besides the primary one that carry VM traffic (e.g. secondary ENIs). The pipeline writes
    /// FORWARD rules and disables rp_filter for each.
    /// </summary>
    Task<IReadOnlyList<string>> ResolveUplinksAsync(HostContext context, CancellationToken cancellationToken);

    /// <summary>
    /// Platform-specific host preparation, run before the shared pipeline. Idempotent; on a dry run it
    /// changes nothing and returns what it would do.
    /// </summary>
    Task<IReadOnlyList<PlanChange>> PrepareHostAsync(HostContext context, bool dryRun, CancellationToken cancellationToken);

    /// <summary>Undoes <see cref="PrepareHostAsync"/>; run by teardown after the shared pipeline's cleanup.</summary>
    Task<IReadOnlyList<PlanChange>> CleanupHostAsync(HostContext context, bool dryRun, CancellationToken cancellationToken);

#if !CONTRACT_BEFORE_2_2
    /// <summary>
    /// What this backend keeps in place between runs, for the long-running agent: it repairs those objects
    /// from kernel events. Cheap and read-only: it must not wait for links to appear or change anything.
    /// Default: nothing. Added in contract 2.2.
    /// </summary>
    Task<HostWatch> DescribeWatchAsync(HostContext context, CancellationToken cancellationToken) => Task.FromResult(new HostWatch());
#endif
}
