using System.Globalization;
using System.Net;
using CocoonNet.Node.Dhcp;
using CocoonNet.Node.Engine;
using CocoonNet.Node.Leases;
using CocoonNet.Node.Linux;
using CocoonNet.Node.Pipeline;
using CocoonNet.Node.Pipeline.Steps;
using CocoonNet.Node.PortSecurity;
using CocoonNet.Node.State;

namespace CocoonNet.Host.Status;

/// <summary>Reads the live host (bridge, routes, iptables, DHCP, CNI) against what pool.json says should be there.</summary>
internal sealed class HostStatusCollector(
    IKernelNetwork kernel, IIptables iptables, DhcpServices dhcp, HostPaths paths, TimeProvider time, INftables? nft = null)
{
    private static readonly (string Table, string Parent, string Chain)[] Chains =
    [
        ("filter", "FORWARD", IptablesStep.ForwardChain),
        ("filter", "INPUT", IptablesStep.InputChain),
        ("nat", "POSTROUTING", IptablesStep.NatChain),
    ];

    public BridgeSection Bridge(NodeTarget target, out LinkInfo? link)
    {
        var links = kernel.ListLinks();
        var bridge = links.FirstOrDefault(l => l.Name == HostSpec.Bridge);
        link = bridge;
        var expected = target.State.Host.BridgeAddress ?? $"{target.Spec.Gateway}/{target.Spec.Subnet.PrefixLength}";
        var index = link?.Index;
        var present = index is not null && kernel.ListAddresses()
            .Any(a => a.Index == index && $"{a.Address}/{a.PrefixLength}" == expected);
        var spec = target.Spec;
        var mtu = new MtuSection(
            EffectiveMtu.Of(spec.MtuOverride, spec.PrimaryNic, links),
            spec.MtuOverride is not null ? "--mtu" : $"primary NIC {(spec.PrimaryNic.Length > 0 ? spec.PrimaryNic : "unknown")}",
            bridge?.Mtu);
        var ports = bridge is null ? [] : links.Where(l => l.MasterIndex == bridge.Index).OrderBy(l => l.Name, StringComparer.Ordinal).ToList();
        var isolation = new IsolationSection(
            spec.VmIsolation,
            ports.Count,
            ports.Count(p => p.Isolated == true),
            ports.Where(p => (p.Isolated == true) != spec.VmIsolation).Select(p => p.Name).ToList());
        return new BridgeSection(HostSpec.Bridge, link is not null, link?.IsUp ?? false, present, expected) { Mtu = mtu, Isolation = isolation };
    }

    /// <summary>The pool's routes via cni0; with the embedded server only <paramref name="leased"/> addresses are routed.</summary>
    public RoutesSection Routes(NodeTarget target, LinkInfo? bridge, IReadOnlySet<IPAddress>? leased = null)
    {
        var ips = target.Spec.Backend == DhcpBackend.Embedded
            ? target.Spec.Ips.Where(ip => leased?.Contains(ip) == true).ToHashSet()
            : target.Spec.Ips.ToHashSet();
        var present = bridge is null
            ? 0
            : kernel.ListRoutes(RouteConstants.TableMain)
                .Count(r => r.PrefixLength == 32 && r.OutputIndex == bridge.Index && ips.Contains(r.Destination));
        return new RoutesSection(present, ips.Count);
    }

    /// <summary>
    /// cocoon-net's chains and their jumps; with <paramref name="spec"/>, also the VM policy rules (drops, the hairpin
    /// rule) the forward chain should hold while iptables are managed.
    /// </summary>
    public async Task<IptablesSection> IptablesAsync(PoolState state, CancellationToken cancellationToken, HostSpec? spec = null)
    {
        var managed = state.Host.Iptables || state.ManageIptables;
        if (!managed)
        {
            return new IptablesSection(false, null, []);
        }

        IptablesSnapshot snapshot;
        try
        {
            snapshot = await iptables.SaveAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is InvalidOperationException or System.ComponentModel.Win32Exception or IOException)
        {
            return new IptablesSection(true, null, []);
        }

        var missing = Chains
            .Where(c => !snapshot.HasChain(c.Table, c.Chain)
                || snapshot.Rules(c.Table, c.Chain).Count == 0
                || !snapshot.Rules(c.Table, c.Parent).Any(r => r.EndsWith($" -j {c.Chain}", StringComparison.Ordinal)))
            .Select(c => $"{c.Table}/{c.Chain}")
            .ToList();
        var forward = snapshot.Rules("filter", IptablesStep.ForwardChain);
        var missingRules = spec is null || !state.ManageIptables || !snapshot.HasChain("filter", IptablesStep.ForwardChain)
            ? []
            : IptablesStep.DropTargets(spec).Where(r => !forward.Contains(IptablesStep.DropRule(r))).Select(r => $"drop {r}")
                .Concat(spec.VmIsolation && !forward.Contains(IptablesStep.HairpinRule(true)) ? [$"drop {HostSpec.Bridge} -> {HostSpec.Bridge}"] : Array.Empty<string>())
                .ToList();
        return new IptablesSection(true, missing.Count == 0 && missingRules.Count == 0, missing) { MissingRules = missingRules };
    }

    /// <summary>The table <c>bridge cocoon</c> against pool.json's choice and leases.json (as the portsec step compares them).</summary>
    public async Task<PortSecuritySection?> PortSecurityAsync(NodeTarget target, CancellationToken cancellationToken)
    {
        if (nft is null)
        {
            return null;
        }

        var enabled = target.Spec.AntiSpoofing;
        LivePortSecurity? live;
        try
        {
            using var listing = await nft.ListAsync($"table {PortSecurityRuleset.Table}", cancellationToken).ConfigureAwait(false);
            live = listing is null ? null : LivePortSecurity.Parse(listing);
        }
        catch (Exception e) when (e is InvalidOperationException or IOException or System.Text.Json.JsonException)
        {
            return new PortSecuritySection(enabled, null, false, 0, 0, 0, 0, e.Message);
        }

        if (live is null)
        {
            return new PortSecuritySection(enabled, false, false, 0, 0, 0, 0, null);
        }

        var outOfStep = 0;
        if (enabled)
        {
            try
            {
                var change = SetChange.Between(
                    PortSecurityLeases.Desired(target.Spec.Backend, target.Spec.LeaseFile, target.Spec.Ips, paths, time.GetUtcNow()), live.Elements(PortSecurityRuleset.LeasesSet));
                outOfStep = change.Added.Count + change.Removed.Count;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // leases.json unreadable: the leases section says so.
            }
        }

        return new PortSecuritySection(
            enabled,
            true,
            live.HasChain && live.HasSets && live.RulesCurrent,
            live.Elements(PortSecurityRuleset.PortsSet).Count,
            live.Elements(PortSecurityRuleset.LeasesSet).Count,
            outOfStep,
            live.Dropped.Values.Sum(),
            null);
    }

    public async Task<DhcpSection> DhcpAsync(PoolState state, CancellationToken cancellationToken)
    {
        if (state.DhcpBackend == DhcpBackend.Embedded)
        {
            // The agent answers DHCP itself (its pid and the leases are the agent's and leases.json's sections).
            return new DhcpSection(null, false, null, paths.DnsmasqConfigFile, File.Exists(paths.DnsmasqConfigFile),
                paths.DnsmasqLeaseFile, 0, null, DhcpBackends.EmbeddedName);
        }

        var (mode, pid) = state.Host.DhcpService switch
        {
            "process" => (DhcpMode.Process, await PidAsync("process", cancellationToken).ConfigureAwait(false)),
            "systemd" => (DhcpMode.Systemd, await PidAsync("systemd", cancellationToken).ConfigureAwait(false)),
            _ => await UnrecordedAsync(cancellationToken).ConfigureAwait(false),
        };
        return new DhcpSection(
            mode,
            pid is not null,
            pid,
            paths.DnsmasqConfigFile,
            File.Exists(paths.DnsmasqConfigFile),
            paths.DnsmasqLeaseFile,
            ActiveLeases(),
            mode == DhcpMode.Systemd ? null : paths.DnsmasqLogFile);
    }

    /// <summary>
    /// pool.json from upstream (or from a run that stopped early) does not say who runs dnsmasq-cni: whichever is
    /// running, else unknown.
    /// </summary>
    private async Task<(DhcpMode? Mode, int? Pid)> UnrecordedAsync(CancellationToken cancellationToken) =>
        await PidAsync("process", cancellationToken).ConfigureAwait(false) is { } pid ? (DhcpMode.Process, pid)
        : await PidAsync("systemd", cancellationToken).ConfigureAwait(false) is { } unitPid ? (DhcpMode.Systemd, unitPid)
        : (null, null);

    /// <summary>The running dnsmasq's pid; null when it is not running or its manager cannot be asked (no systemctl).</summary>
    private async Task<int?> PidAsync(string mode, CancellationToken cancellationToken)
    {
        try
        {
            return await dhcp.For(mode).RunningPidAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is System.ComponentModel.Win32Exception or InvalidOperationException or IOException)
        {
            return null;
        }
    }

    /// <summary>The conflist of <paramref name="backend"/> (each backend has its own network name and file).</summary>
    public CniSection Cni(DhcpBackend backend = DhcpBackend.Dnsmasq)
    {
        var conflist = backend == DhcpBackend.Embedded ? paths.EmbeddedCniConfigFile : paths.CniConfigFile;
        return new(conflist, File.Exists(conflist));
    }

    /// <summary>
    /// leases.json and the control socket. Active leases are those of pool addresses that
    /// have not expired; <paramref name="leased"/> is their set, for the routes' count.
    /// </summary>
    public LeasesSection Leases(NodeTarget target, string stateDirectory, out IReadOnlySet<IPAddress> leased)
    {
        var file = LeaseFile.PathIn(stateDirectory);
        var pool = target.Spec.Ips.ToHashSet();
        string? error = null;
        var present = false;
        leased = new HashSet<IPAddress>();
        try
        {
            present = Posix.Lstat(file) != FileKind.Missing;
            var now = time.GetUtcNow();
            leased = LeaseFile.Read(file).Where(l => l.IsActive(now) && pool.Contains(l.Ip)).Select(l => l.Ip).ToHashSet();
        }
        catch (IOException e)
        {
            error = e.Message;
        }

        bool socket;
        try
        {
            socket = Posix.Lstat(paths.ControlSocket) == FileKind.Socket;
        }
        catch (IOException)
        {
            socket = false;
        }

        return new LeasesSection(file, present, leased.Count, error, paths.ControlSocket, socket);
    }

    /// <summary>Leases in dnsmasq's lease file that have not expired (read by its one reader, never through a link).</summary>
    private int ActiveLeases()
    {
        try
        {
            var now = time.GetUtcNow().ToUnixTimeSeconds();
            return DnsmasqLeaseTable.Read(paths.DnsmasqLeaseFile).Count(l => l.IsActive(now));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return 0;
        }
    }
}
