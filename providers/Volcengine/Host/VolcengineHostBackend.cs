using CocoonNet.Abstractions;
using CocoonNet.Providers.Volcengine.Provisioning;

namespace CocoonNet.Providers.Volcengine.Host;

/// <summary>
/// Host specifics of a Volcengine ECS node: each secondary ENI's NIC is found by the MAC recorded in
/// pool.json (never by guessing <c>eth1..eth7</c>: names depend on attach order and on other NICs), waited for
/// a bounded time after attach, and brought up. The pipeline then turns rp_filter off and writes FORWARD rules
/// between each of them and cni0.
/// </summary>
internal sealed class VolcengineHostBackend(IHostNetwork network, TimeProvider time) : IHostNetworkBackend
{
    private static readonly TimeSpan LinkTimeout = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(100);

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

        var deadline = time.GetUtcNow() + LinkTimeout;
        while (true)
        {
            var links = await network.ListLinksAsync(cancellationToken).ConfigureAwait(false);
            var found = wanted
                .Select(e => (e.Id, e.Mac, Link: links.FirstOrDefault(l => string.Equals(l.Mac, e.Mac, StringComparison.OrdinalIgnoreCase))))
                .ToList();
            if (found.All(f => f.Link is not null))
            {
                return found.Select(f => (f.Id, f.Link!)).ToList();
            }

            if (time.GetUtcNow() >= deadline)
            {
                var missing = found.First(f => f.Link is null);
                throw new InvalidOperationException(
                    $"ENI {missing.Id} (MAC {missing.Mac}) has no network interface on this host after {LinkTimeout.TotalSeconds:0} s; "
                    + "check that it is attached to this instance (cocoon-net status) and re-run init");
            }

            await Task.Delay(PollInterval, time, cancellationToken).ConfigureAwait(false);
        }
    }
}
