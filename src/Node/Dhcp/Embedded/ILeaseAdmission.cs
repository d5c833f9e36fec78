using System.Net;

namespace CocoonNet.Node.Dhcp.Embedded;

/// <summary>
/// Port security's view of the leases (anti-spoofing): a granted (MAC, address) is admitted after its route and before
/// the ACK, so the client's first packet under it passes; an ended one is revoked after its route goes. Admit throws when
/// the admission could not be made (the grant is then refused, as when its route fails); revoke is best effort.
/// </summary>
internal interface ILeaseAdmission
{
    /// <summary>Admits nothing, revokes nothing: anti-spoofing off, and the unit tests.</summary>
    static readonly ILeaseAdmission None = new NoAdmission();

    Task AdmitAsync(string mac, IPAddress address, CancellationToken cancellationToken);

    Task RevokeAsync(string mac, IPAddress address, CancellationToken cancellationToken);

    private sealed class NoAdmission : ILeaseAdmission
    {
        public Task AdmitAsync(string mac, IPAddress address, CancellationToken cancellationToken) => Task.CompletedTask;

        public Task RevokeAsync(string mac, IPAddress address, CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
