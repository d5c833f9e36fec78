using CocoonNet.Node.Leases;

namespace CocoonNet.Node.Dhcp.Embedded;

/// <summary>
/// leases.json as the embedded server's journal. Each save runs inside <paramref name="aroundSave"/>: the agent passes
/// the crash points (<c>lease-save/&lt;n&gt;/before|after</c>, <see cref="CrashPoint"/>) so tests can kill it on either
/// side of every lease write and prove the ACK never outruns the file. (Passed in rather than called here: the
/// pipeline's namespace, which holds the crash points, already depends on this one.)
/// </summary>
internal sealed class LeaseFileJournal(string path, Action<Action> aroundSave) : ILeaseJournal
{
    public const string CrashPoint = "lease-save";

    public string Path { get; } = path;

    public IReadOnlyList<Lease> Load() => LeaseFile.Read(Path);

    public void Save(IReadOnlyCollection<Lease> leases) => aroundSave(() => LeaseFile.Write(Path, leases));
}
