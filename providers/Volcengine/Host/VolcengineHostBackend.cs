using System.Collections.Concurrent;
using CocoonNet.Abstractions;
using CocoonNet.Providers.Volcengine.Provisioning;

namespace CocoonNet.Providers.Volcengine.Host;

/// <summary>
/// Host specifics of a Volcengine ECS node: each secondary ENI's NIC is found by the MAC recorded in
/// pool.json (never by guessing <c>eth1..eth7</c>: names depend on attach order and on other NICs), waited for
/// a bounded time after attach, and brought up. The pipeline then turns rp_filter off and writes FORWARD rules
/// between each of them and cni0.
/// </summary>
/// <remarks>
/// The wait is for a NIC that has not appeared yet (just attached, or still coming up at boot): each ENI is waited for
/// at most once per process. An ENI whose NIC was seen and is gone (detached), or was already waited for in vain,
/// fails at once: a long-running agent must not stall its repairs for a minute on every resync.
/// </remarks>
internal sealed class VolcengineHostBackend(IHostNetwork network, TimeProvider time) : IHostNetworkBackend
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(100);

    // ENIs this process has seen a NIC for, or waited for in vain: never waited for again.
    private readonly ConcurrentDictionary<string, bool> _noWait = new(StringComparer.Ordinal);

    /// <summary>How long the NIC of an ENI not seen yet may take to appear.</summary>
    public TimeSpan LinkTimeout { get; init; } = TimeSpan.FromSeconds(60);

    public string DefaultPrimaryNic => "eth0";

    public async Task<IReadOnlyList<string>> ResolveUplinksAsync(HostContext context, CancellationToken cancellationToken)
    {
        var links = await WaitForLinksAsync(context, cancellationToken).ConfigureAwait(false);
        return links.Select(l => l.Link.Name).ToList();
    }

    public async Task<IReadOnlyList<PlanChange>> PrepareHostAsync(HostContext context, bool dryRun, CancellationToken cancellationToken)
    {
        var changes = new List<PlanChange>();
        foreach (var (eniId, link) in await WaitForLinksAsync(context, cancellationToken).ConfigureAwait(false))
        {
            if (link.IsUp)
            {
                continue;
            }

            if (!dryRun)
            {
                await network.SetLinkUpAsync(link.Name, cancellationToken).ConfigureAwait(false);
            }

            changes.Add(PlanChange.Update($"set {link.Name} up", $"(ENI {eniId}, {link.Mac})"));
        }

        return changes;
    }

    // The NICs go away with the ENIs' detach; nothing on the host is left to undo.
    public Task<IReadOnlyList<PlanChange>> CleanupHostAsync(HostContext context, bool dryRun, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<PlanChange>>([]);

    // The agent keeps the ENIs' NICs up: those present now, found by their recorded MACs, without waiting.
    public async Task<HostWatch> DescribeWatchAsync(HostContext context, CancellationToken cancellationToken)
    {
        var record = new ProvisionRecord(context.Resources);
        var macs = record.EniIds
            .Select(id => record.Get(ProvisionRecord.MacKey(id)))
            .OfType<string>()
            .Where(mac => mac.Length > 0)
            .ToHashSet(StringComparer.OrdinalIgnoreCase);
        var links = await network.ListLinksAsync(cancellationToken).ConfigureAwait(false);
        return new HostWatch { NicsKeptUp = links.Where(l => macs.Contains(l.Mac)).Select(l => l.Name).ToList() };
    }

    /// <summary>The ENIs' links in pool.json order, waiting until each has appeared.</summary>
    private async Task<IReadOnlyList<(string EniId, HostLink Link)>> WaitForLinksAsync(HostContext context, CancellationToken cancellationToken)
    {
        var record = new ProvisionRecord(context.Resources);
        var wanted = record.EniIds
            .Select(id => (Id: id, Mac: record.Get(ProvisionRecord.MacKey(id))))
            .Where(e => e.Mac is { Length: > 0 })
            .ToList();
        if (wanted.Count == 0)
        {
            return [];
        }

        var started = time.GetTimestamp();
        while (true)
        {
            var links = await network.ListLinksAsync(cancellationToken).ConfigureAwait(false);
            var found = wanted
                .Select(e => (e.Id, e.Mac, Link: links.FirstOrDefault(l => string.Equals(l.Mac, e.Mac, StringComparison.OrdinalIgnoreCase))))
                .ToList();
            foreach (var seen in found.Where(f => f.Link is not null))
            {
                _noWait[seen.Id] = true;
            }

            if (found.All(f => f.Link is not null))
            {
                return found.Select(f => (f.Id, f.Link!)).ToList();
            }

            var missing = found.Where(f => f.Link is null).ToList();
            if (missing.All(m => _noWait.ContainsKey(m.Id)) || time.GetElapsedTime(started) >= LinkTimeout)
            {
                foreach (var gone in missing)
                {
                    _noWait[gone.Id] = true;
                }

                var first = missing[0];
                throw new InvalidOperationException(
                    $"ENI {first.Id} (MAC {first.Mac}) has no network interface on this host; "
                    + "check that it is attached to this instance (cocoon-net status) and re-run init");
            }

            await Task.Delay(PollInterval, time, cancellationToken).ConfigureAwait(false);
        }
    }
}
