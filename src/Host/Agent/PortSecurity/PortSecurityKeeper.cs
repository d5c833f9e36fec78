using System.Diagnostics;
using System.Net;
using System.Text;
using CocoonNet.Node.Dhcp.Embedded;
using CocoonNet.Node.Leases;
using CocoonNet.Node.Linux;
using CocoonNet.Node.PortSecurity;
using Microsoft.Extensions.Logging;

namespace CocoonNet.Host.Agent.PortSecurity;

/// <summary>
/// The agent's side of anti-spoofing: keeps the table <c>bridge cocoon</c>'s <c>leases</c> and <c>vm_ports</c> in step
/// between the runs of the portsec step, from the embedded server's grants (before the ACK), the dnsmasq mirror's
/// reads (within milliseconds of dnsmasq's lease file changing), and cni0's port events. Each change is one small nft
/// transaction, one at a time. Nothing is done while the node's pool.json has anti-spoofing off or before the agent
/// has read it, and a missing table is no error: the next run of the step makes it whole from leases.json.
/// </summary>
internal sealed partial class PortSecurityKeeper(INftables nft, NodeChanges changes, ILoggerFactory loggers) : ILeaseAdmission, IDisposable
{
    private readonly ILogger _logger = loggers.CreateLogger<PortSecurityKeeper>();
    private readonly SemaphoreSlim _gate = new(1, 1);

    private bool Enabled => changes.Current?.State.ChecksSpoofing == true;

    public Task AdmitAsync(string mac, IPAddress address, CancellationToken cancellationToken)
    {
        if (!Enabled)
        {
            return Task.CompletedTask;
        }

        var text = new StringBuilder();
        PortSecurityRuleset.AppendElements(text, PortSecurityRuleset.LeasesSet, [PortSecurityRuleset.Element(mac, address)]);
        return ApplyAsync($"admit {mac} {address}", text.ToString(), cancellationToken);
    }

    public async Task RevokeAsync(string mac, IPAddress address, CancellationToken cancellationToken)
    {
        if (!Enabled || await BindingsAsync(cancellationToken).ConfigureAwait(false) is not { } bindings)
        {
            return;
        }

        var text = new StringBuilder();
        PortSecurityRuleset.AppendRemoval(text, PortSecurityRuleset.LeasesSet, [PortSecurityRuleset.Element(mac, address)]);
        Unbinding.Append(text, bindings, [PortSecurityRuleset.Mac(mac)], []);
        await ApplyAsync($"revoke {mac} {address}", text.ToString(), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Makes <c>leases</c> hold exactly <paramref name="leases"/> (leases.json's rows); ended leases lose their bindings.</summary>
    public async Task SyncLeasesAsync(IReadOnlyCollection<Lease> leases, CancellationToken cancellationToken)
    {
        if (!Enabled || await ListTableAsync(cancellationToken).ConfigureAwait(false) is not { } live)
        {
            return;
        }

        var change = SetChange.Between(
            leases.Select(PortSecurityRuleset.Element).Order(StringComparer.Ordinal), live.Elements(PortSecurityRuleset.LeasesSet));
        if (change.IsEmpty)
        {
            return;
        }

        var text = new StringBuilder(PortSecurityRuleset.Update(false, SetChange.None, change));
        Unbinding.Append(text, live.Elements(PortSecurityRuleset.PortMacsSet), change.Removed.Select(Unbinding.MacOf), []);
        await ApplyAsync($"leases +{change.Added.Count} -{change.Removed.Count}", text.ToString(), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>A port joined cni0: it is a VM port, checked from its next frame.</summary>
    public Task PortAttachedAsync(string port, CancellationToken cancellationToken)
    {
        if (!Enabled)
        {
            return Task.CompletedTask;
        }

        var text = new StringBuilder();
        PortSecurityRuleset.AppendElements(text, PortSecurityRuleset.PortsSet, [PortSecurityRuleset.Port(port)]);
        return ApplyAsync($"port {port} attached", text.ToString(), cancellationToken);
    }

    /// <summary>A port left cni0: out of the set, and its bindings go (its VM's MAC may come back on a new port).</summary>
    public async Task PortDetachedAsync(string port, CancellationToken cancellationToken)
    {
        if (!Enabled || await BindingsAsync(cancellationToken).ConfigureAwait(false) is not { } bindings)
        {
            return;
        }

        var text = new StringBuilder();
        PortSecurityRuleset.AppendRemoval(text, PortSecurityRuleset.PortsSet, [PortSecurityRuleset.Port(port)]);
        Unbinding.Append(text, bindings, [], [port]);
        await ApplyAsync($"port {port} detached", text.ToString(), cancellationToken).ConfigureAwait(false);
    }

    public void Dispose() => _gate.Dispose();

    private async Task<IReadOnlyList<string>?> BindingsAsync(CancellationToken cancellationToken)
    {
        using var listing = await nft.ListAsync($"set {PortSecurityRuleset.Table} {PortSecurityRuleset.PortMacsSet}", cancellationToken)
            .ConfigureAwait(false);
        return listing is null ? null : LivePortSecurity.Parse(listing).Elements(PortSecurityRuleset.PortMacsSet);
    }

    private async Task<LivePortSecurity?> ListTableAsync(CancellationToken cancellationToken)
    {
        using var listing = await nft.ListAsync($"table {PortSecurityRuleset.Table}", cancellationToken).ConfigureAwait(false);
        return listing is null ? null : LivePortSecurity.Parse(listing);
    }

    private async Task ApplyAsync(string what, string transaction, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var watch = Stopwatch.StartNew();
            try
            {
                await nft.ApplyAsync(transaction, cancellationToken).ConfigureAwait(false);
            }
            catch (InvalidOperationException)
            {
                if (await ListTableAsync(cancellationToken).ConfigureAwait(false) is not null)
                {
                    throw;
                }

                // No table (deleted by hand, or a run is making it): the step makes it whole from leases.json.
                LogNoTable(what);
                return;
            }

            LogApplied(what, watch.Elapsed.TotalMilliseconds);
        }
        finally
        {
            _gate.Release();
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "port security: {What} in {Milliseconds:F1} ms")]
    private partial void LogApplied(string what, double milliseconds);

    [LoggerMessage(Level = LogLevel.Warning, Message = "port security: {What}: no table bridge cocoon now; the next reconcile makes it")]
    private partial void LogNoTable(string what);
}
