using CocoonNet.Node.Leases;
using CocoonNet.Node.Pipeline;

namespace CocoonNet.Node.Dhcp.Embedded;

/// <summary>
/// leases.json as the embedded server's journal. Each save is a crash point (<c>lease-save/&lt;n&gt;/before|after</c>) so
/// tests can kill the agent on either side of every lease write and prove the ACK never outruns the file.
/// </summary>
internal sealed class LeaseFileJournal(string path) : ILeaseJournal
{
    public string Path { get; } = path;

    public IReadOnlyList<Lease> Load() => LeaseFile.Read(Path);

    public void Save(IReadOnlyCollection<Lease> leases) => CrashPoints.Around("lease-save", () => LeaseFile.Write(Path, leases));
}
