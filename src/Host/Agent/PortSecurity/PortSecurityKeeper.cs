using System.Diagnostics;
using System.Net;
using CocoonNet.Node.Dhcp.Embedded;
using CocoonNet.Node.Leases;
using CocoonNet.Node.Linux;
using CocoonNet.Node.Linux.Netlink;
using CocoonNet.Node.PortSecurity;
using Microsoft.Extensions.Logging;

namespace CocoonNet.Host.Agent.PortSecurity;

/// <summary>
/// The agent's side of anti-spoofing: keeps the table <c>bridge cocoon</c>'s <c>leases</c> and <c>vm_ports</c> in step
/// between the runs of the portsec step, from the embedded server's grants (before the ACK), the dnsmasq mirror's
/// reads (within milliseconds of dnsmasq's lease file changing), and cni0's port events. Elements are written over
/// netlink (one batch per change, about a millisecond, no process); only the binding sets, which the kernel fills,
/// are read through nft, and only when something is removed. Nothing is done while the node's pool.json has
/// anti-spoofing off or before the agent has read it, and a missing table is no error: the next run of the step
/// makes it whole from leases.json.
/// </summary>
internal sealed partial class PortSecurityKeeper(INftables nft, INftSetWriter sets, NodeChanges changes, ILoggerFactory loggers)
    : ILeaseAdmission, IDisposable
{
    private readonly ILogger _logger = loggers.CreateLogger<PortSecurityKeeper>();
    private readonly SemaphoreSlim _gate = new(1, 1);

    // Ports this keeper put in vm_ports; a table rebuilt by the step holds every port of cni0 anyway.
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, byte> _attached = new(StringComparer.Ordinal);

    // The leases last written by SyncLeasesAsync, as elements; null until the live set was read once.
    private HashSet<string>? _synced;

    // Fresh: a choice another writer has replaced in pool.json is not acted on (the agent's reconcile on the change is).
    private bool Enabled => changes.Fresh?.State.ChecksSpoofing == true;

    public async Task AdmitAsync(string mac, IPAddress address, CancellationToken cancellationToken)
    {
        if (Enabled)
        {
            var element = PortSecurityRuleset.Element(mac, address);
            await WriteAsync($"admit {element}", [PortSecurityKeys.Of(PortSecurityRuleset.LeasesSet, element, add: true)], cancellationToken)
                .ConfigureAwait(false);
        }
    }

    public async Task RevokeAsync(string mac, IPAddress address, CancellationToken cancellationToken)
    {
        if (!Enabled || await BindingsAsync(cancellationToken).ConfigureAwait(false) is not { } bindings)
        {
            return;
        }

        var element = PortSecurityRuleset.Element(mac, address);
        await WriteAsync(
                $"revoke {element}",
                [.. PortSecurityKeys.Removal(PortSecurityRuleset.LeasesSet, element), .. Unbind(bindings, [PortSecurityRuleset.Mac(mac)], [])],
                cancellationToken)
            .ConfigureAwait(false);
    }

    /// <summary>Makes <c>leases</c> hold exactly <paramref name="leases"/> (leases.json's rows); ended leases lose their bindings.</summary>
    public async Task SyncLeasesAsync(IReadOnlyCollection<Lease> leases, CancellationToken cancellationToken)
    {
        if (!Enabled)
        {
            _synced = null;
            return;
        }

        var desired = leases.Select(PortSecurityRuleset.Element).ToHashSet(StringComparer.Ordinal);
        IReadOnlyCollection<string> have;
        if (_synced is { } synced)
        {
            have = synced;
        }
        else
        {
            using var listing = await nft.ListAsync($"set {PortSecurityRuleset.Table} {PortSecurityRuleset.LeasesSet}", cancellationToken)
                .ConfigureAwait(false);
            if (listing is null)
            {
                return;
            }

            have = LivePortSecurity.Parse(listing).Elements(PortSecurityRuleset.LeasesSet);
        }

        var change = SetChange.Between(desired.Order(StringComparer.Ordinal), have);
        if (change.IsEmpty)
        {
            _synced = desired;
            return;
        }

        var elements = change.Added.Select(e => PortSecurityKeys.Of(PortSecurityRuleset.LeasesSet, e, add: true)).ToList();
        if (change.Removed.Count > 0 && await BindingsAsync(cancellationToken).ConfigureAwait(false) is { } bindings)
        {
            elements.AddRange(change.Removed.SelectMany(e => PortSecurityKeys.Removal(PortSecurityRuleset.LeasesSet, e)));
            elements.AddRange(Unbind(bindings, change.Removed.Select(Unbinding.MacOf), []));
        }

        // Forgotten on failure: the next call reads the live set again.
        _synced = null;
        if (await WriteAsync($"leases +{change.Added.Count} -{change.Removed.Count}", elements, cancellationToken).ConfigureAwait(false))
        {
            _synced = desired;
        }
    }

    /// <summary>A port joined cni0: it is a VM port, checked from its next frame.</summary>
    public async Task PortAttachedAsync(string port, CancellationToken cancellationToken)
    {
        // The watcher reports a port again on each of its notifications (its flags set, its state changed): written once.
        if (Enabled && !_attached.ContainsKey(port)
            && await WriteAsync($"port {port} attached", [PortSecurityKeys.Of(PortSecurityRuleset.PortsSet, port, add: true)], cancellationToken)
                .ConfigureAwait(false))
        {
            _attached.TryAdd(port, 0);
        }
    }

    /// <summary>A port left cni0: out of the set, and its bindings go (its VM's MAC may come back on a new port).</summary>
    public async Task PortDetachedAsync(string port, CancellationToken cancellationToken)
    {
        _attached.TryRemove(port, out _);
        if (!Enabled || await BindingsAsync(cancellationToken).ConfigureAwait(false) is not { } bindings)
        {
            return;
        }

        await WriteAsync(
                $"port {port} detached",
                [.. PortSecurityKeys.Removal(PortSecurityRuleset.PortsSet, port), .. Unbind(bindings, [], [port])],
                cancellationToken)
            .ConfigureAwait(false);
    }

    public void Dispose() => _gate.Dispose();

    private static IEnumerable<NftSetElement> Unbind(IReadOnlyList<string> bindings, IEnumerable<string> macs, IEnumerable<string> ports) =>
        Unbinding.Removals(bindings, macs, ports).SelectMany(r => PortSecurityKeys.Removal(r.Set, r.Element));

    /// <summary>The live <c>port_macs</c> (<c>port . mac</c>); null when there is no table.</summary>
    private async Task<IReadOnlyList<string>?> BindingsAsync(CancellationToken cancellationToken)
    {
        using var listing = await nft.ListAsync($"set {PortSecurityRuleset.Table} {PortSecurityRuleset.PortMacsSet}", cancellationToken)
            .ConfigureAwait(false);
        return listing is null ? null : LivePortSecurity.Parse(listing).Elements(PortSecurityRuleset.PortMacsSet);
    }

    /// <summary>Writes <paramref name="elements"/> in one batch; false when there was no table (nothing to keep then).</summary>
    private async Task<bool> WriteAsync(string what, IReadOnlyList<NftSetElement> elements, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var watch = Stopwatch.StartNew();
            try
            {
                sets.Apply(elements);
            }
            catch (NetlinkException e) when (e.Errno == Errno.NoEntry)
            {
                // No table or set (deleted by hand, anti-spoofing just turned on): the step makes it whole from leases.json.
                LogNoTable(what);
                return false;
            }
            catch (NetlinkException e)
            {
                throw new InvalidOperationException(e.Message, e);
            }

            LogApplied(what, watch.Elapsed.TotalMilliseconds);
            return true;
        }
        finally
        {
            _gate.Release();
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "port security: {What} in {Milliseconds:F2} ms")]
    private partial void LogApplied(string what, double milliseconds);

    [LoggerMessage(Level = LogLevel.Warning, Message = "port security: {What}: no table bridge cocoon now; the next reconcile makes it")]
    private partial void LogNoTable(string what);
}
