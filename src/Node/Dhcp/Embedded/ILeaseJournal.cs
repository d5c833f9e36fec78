using CocoonNet.Node.Leases;

namespace CocoonNet.Node.Dhcp.Embedded;

/// <summary>
/// Where the embedded server keeps its leases (leases.json in production): <see cref="Save"/> returns only once the
/// whole table is durable, so an ACK sent after it is never lost to a crash.
/// </summary>
internal interface ILeaseJournal
{
    IReadOnlyList<Lease> Load();

    void Save(IReadOnlyCollection<Lease> leases);
}
