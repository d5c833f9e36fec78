namespace CocoonNet.Abstractions;

/// <summary>
/// The cloud side of the plugin's platform: detection, provisioning of the node's VM addresses, live
/// status and teardown. It never touches the host's kernel; the shared host pipeline does that afterwards.
/// Register it with <see cref="PluginServiceCollectionExtensions.AddCloudProvider{T}"/>.
/// </summary>
public interface ICloudProvider
{
    /// <summary>
    /// True when this process runs on the provider's cloud. The host asks every provider concurrently,
    /// under one short deadline, only when neither <c>--platform</c> nor pool.json names the platform.
    /// Rule: <b>a cheap local signal first</b> — read something local that only this cloud's instances have
    /// (DMI/SMBIOS under <c>/sys/class/dmi/id</c>, cloud-init data) and return false at once without it;
    /// only then confirm over the network (e.g. the metadata server), and honour
    /// <paramref name="cancellationToken"/>. A provider must not probe a link-local metadata address on
    /// every machine it is installed on. A cloud whose local signal may be missing on its own instances also
    /// implements <c>IDetectionFallback</c> (contract 2.3): the host then probes its metadata service, but only
    /// when no provider answered yes and none sees its local signal.
    /// </summary>
    Task<bool> DetectAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Checks <paramref name="request"/> against this cloud's fixed limits (prefix lengths, sizes, names)
    /// before anything changes: no lock is held, nothing was written, no cloud call has happened, and it
    /// must make none itself. Returns null when acceptable, else one sentence saying what is wrong and what
    /// to use instead; the host prints it as bad input (exit code 2). <see cref="ProvisionRequest.Previous"/>
    /// is empty and <see cref="ProvisionRequest.PrimaryNic"/> may be empty here. Default: accepts everything.
    /// </summary>
    ValueTask<string?> ValidateAsync(ProvisionRequest request, CancellationToken cancellationToken) => ValueTask.FromResult<string?>(null);

    /// <summary>
    /// Provisions (or, when <see cref="ProvisionRequest.DryRun"/> is set, only plans) the cloud resources
    /// for the node. Must be idempotent: a re-run with the same request changes nothing and returns no
    /// changes. Record what is about to be created through <paramref name="checkpoint"/> <b>before</b> each
    /// mutation, so a failure or a kill midway leaves state a re-run or teardown can act on.
    /// </summary>
    Task<ProvisionResult> ProvisionAsync(ProvisionRequest request, IProvisionCheckpoint checkpoint, CancellationToken cancellationToken);

    /// <summary>
    /// Live cloud facts for <c>cocoon-net status</c> and the agent's periodic cloud check. Read-only: it
    /// must make no mutating cloud call (the agent repairs the cloud only through <see cref="ProvisionAsync"/>,
    /// and only when the operator asks for it).
    /// </summary>
    Task<CloudStatus> GetStatusAsync(CloudResources resources, CancellationToken cancellationToken);

#if !CONTRACT_BEFORE_2_2
    /// <summary>
    /// The shortest interval at which a long-running agent may call <see cref="GetStatusAsync"/> for one node
    /// (the agent's <c>--cloud-check</c> is raised to it), so a fleet of agents stays within the cloud's API
    /// rate limits. Default: one minute. Added in contract 2.2.
    /// </summary>
    TimeSpan MinimumStatusInterval => TimeSpan.FromMinutes(1);
#endif

    /// <summary>
    /// Removes what this provider created for the node, as recorded in <see cref="TeardownRequest.Resources"/>,
    /// and nothing else; a resource already gone is not an error. Returns the changes made (or planned, on a dry run).
    /// </summary>
    Task<IReadOnlyList<PlanChange>> TeardownAsync(TeardownRequest request, CancellationToken cancellationToken);
}
