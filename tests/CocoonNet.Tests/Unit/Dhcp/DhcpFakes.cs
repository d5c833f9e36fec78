using System.Net;
using CocoonNet.Node.Dhcp.Embedded;
using CocoonNet.Node.Leases;

namespace CocoonNet.Tests.Unit.Dhcp;

/// <summary>Journal and routes that record every call, in order, in one shared list.</summary>
internal sealed class DhcpRecorder
{
    private readonly Lock gate = new();

    public List<string> Calls { get; } = [];

    public void Record(string call)
    {
        lock (gate)
        {
            Calls.Add(call);
        }
    }
}

internal sealed class FakeJournal(DhcpRecorder recorder) : ILeaseJournal
{
    public IReadOnlyList<Lease> Saved { get; private set; } = [];

    public int Saves { get; private set; }

    public bool Fail { get; set; }

    public IReadOnlyList<Lease> Load() => Saved;

    public void Save(IReadOnlyCollection<Lease> leases)
    {
        if (Fail)
        {
            throw new IOException("disk full");
        }

        Saves++;
        Saved = [.. leases];
        recorder.Record($"save {string.Join(",", leases.Select(l => $"{l.Mac}={l.Ip}"))}");
    }
}

internal sealed class FakeRoutes(DhcpRecorder recorder) : ILeaseRoutes
{
    public HashSet<IPAddress> Routes { get; } = [];

    public HashSet<IPAddress> Failing { get; } = [];

    public Task AddAsync(IPAddress address, CancellationToken cancellationToken)
    {
        if (Failing.Contains(address))
        {
            recorder.Record($"route add {address} failed");
            throw new IOException($"cannot add {address}");
        }

        Routes.Add(address);
        recorder.Record($"route add {address}");
        return Task.CompletedTask;
    }

    public Task RemoveAsync(IPAddress address, CancellationToken cancellationToken)
    {
        Routes.Remove(address);
        recorder.Record($"route del {address}");
        return Task.CompletedTask;
    }
}
