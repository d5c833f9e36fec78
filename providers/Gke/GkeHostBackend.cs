using CocoonNet.Abstractions;
using CocoonNet.Providers.Gke.GuestAgent;

namespace CocoonNet.Providers.Gke;

/// <summary>
/// GCE host specifics: the primary NIC is <c>ens4</c> on Google's images, there are no secondary NICs, and
/// the guest agent must stop claiming the alias range as a local address (see <see cref="GuestAgentFix"/>).
/// </summary>
internal sealed class GkeHostBackend(GuestAgentFix guestAgent) : IHostNetworkBackend
{
    public string DefaultPrimaryNic => "ens4";

    public Task<IReadOnlyList<string>> ResolveUplinksAsync(HostContext context, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<string>>([]);

    public Task<IReadOnlyList<PlanChange>> PrepareHostAsync(HostContext context, bool dryRun, CancellationToken cancellationToken) =>
        guestAgent.ApplyAsync(context, dryRun, cancellationToken);

    public Task<IReadOnlyList<PlanChange>> CleanupHostAsync(HostContext context, bool dryRun, CancellationToken cancellationToken) =>
        guestAgent.RestoreAsync(context, dryRun, cancellationToken);
}
