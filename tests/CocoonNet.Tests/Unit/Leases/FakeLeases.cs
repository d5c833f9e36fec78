using System.Net;
using CocoonNet.Host.Agent.Leases;
using CocoonNet.Node.Leases;
using CocoonNet.Node.Linux;

namespace CocoonNet.Tests.Unit.Leases;

/// <summary>An <see cref="ILeaseService"/> that records releases and fails when told to.</summary>
internal sealed class FakeLeases : ILeaseService
{
    public List<string> Released { get; } = [];

    public List<Lease> Table { get; } = [];

    public string? Failure { get; set; }

    public Task<IReadOnlyList<Lease>> ListAsync(CancellationToken cancellationToken) => Task.FromResult<IReadOnlyList<Lease>>([.. Table]);

    public Task ReleaseAsync(string canonicalMac, CancellationToken cancellationToken)
    {
        if (Failure is { } failure)
        {
            throw new LeaseReleaseException(failure);
        }

        Released.Add(canonicalMac);
        Table.RemoveAll(l => l.Mac == canonicalMac);
        return Task.CompletedTask;
    }
}

/// <summary>A process runner that plays <c>dhcp_release</c>: records the call, then does what the test says.</summary>
internal sealed class FakeRunner(Func<IReadOnlyList<string>, ProcessResult>? act = null) : IProcessRunner
{
    public List<string> Calls { get; } = [];

    public bool Missing { get; set; }

    public Task<ProcessResult> RunAsync(string fileName, IReadOnlyList<string> arguments, string? standardInput, CancellationToken cancellationToken)
    {
        if (Missing)
        {
            throw new InvalidOperationException($"cannot run {fileName}: No such file or directory (is it installed?)");
        }

        Calls.Add($"{fileName} {string.Join(' ', arguments)}");
        return Task.FromResult(act?.Invoke(arguments) ?? new ProcessResult(0, "", ""));
    }
}

internal static class LeaseTestData
{
    public static IReadOnlySet<IPAddress> Pool(params string[] ips) => ips.Select(IPAddress.Parse).ToHashSet();
}
