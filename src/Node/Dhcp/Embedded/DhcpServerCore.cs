using System.Net;
using CocoonNet.Node.Leases;
using CocoonNet.Node.Net;
using Microsoft.Extensions.Logging;

namespace CocoonNet.Node.Dhcp.Embedded;

/// <summary>
/// The embedded DHCPv4 server's decisions (RFC 2131/2132), without a socket: a datagram in, a reply (or none) out.
/// Leases are keyed by the client's hardware address (chaddr; option 61 is not identity), one per MAC and one MAC per
/// address. A grant is durable before it is routed and routed before it is acknowledged: journal, then the /32 route,
/// then the ACK, so neither a crash nor a kernel refusal leaves a guest using an address the node does not route or
/// has forgotten. One operation runs at a time: packets, the control socket's releases and the sweep all take the gate.
/// </summary>
internal sealed class DhcpServerCore(
    DhcpServerSettings settings,
    ILeaseRoutes routes,
    ILeaseJournal journal,
    TimeProvider time,
    ILogger logger) : IDisposable
{
    private readonly SemaphoreSlim gate = new(1, 1);
    private readonly Dictionary<string, Lease> leases = new(StringComparer.Ordinal);
    private readonly Dictionary<IPAddress, string> leaseByIp = [];
    private readonly Dictionary<string, Held> offers = new(StringComparer.Ordinal);
    private readonly Dictionary<IPAddress, string> offerByIp = [];

    /// <summary>Who last had each address and when it was given up: the cooldown and "longest unused" read it.</summary>
    private readonly Dictionary<IPAddress, Freed> freed = [];

    /// <summary>Each MAC's address before its lease ended, offered to it again while free (sticky addresses).</summary>
    private readonly Dictionary<string, IPAddress> previous = new(StringComparer.Ordinal);

    private readonly Dictionary<IPAddress, DateTimeOffset> declined = [];

    private DhcpServerSettings settings = settings;
    private HashSet<IPAddress> pool = [.. settings.Pool];
    private volatile Snapshot snapshot = new([], settings.Pool.Distinct().Count());
    private long leasesOk;
    private long leasesFailed;

    /// <summary>Port security's lease set: told of each grant before its ACK and of each lease that ends.</summary>
    public ILeaseAdmission Admission { get; init; } = ILeaseAdmission.None;

    /// <summary>ACKs sent (renewals included).</summary>
    public long LeasesOk => Interlocked.Read(ref leasesOk);

    /// <summary>REQUESTs naming an address that ended in a NAK, or whose grant could not be saved or routed.</summary>
    public long LeasesFailed => Interlocked.Read(ref leasesFailed);

    /// <summary>Pool addresses neither leased, offered nor declined (as of the last operation).</summary>
    public int Available => snapshot.Available;

    public int Active => snapshot.Leases.Count;

    /// <summary>The active leases as of the last operation, by address.</summary>
    public IReadOnlyList<Lease> Leases() => snapshot.Leases;

    /// <summary>Loads the journal: active leases in the pool are kept and their routes re-added (a failure is logged).</summary>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            IReadOnlyList<Lease> saved;
            try
            {
                saved = journal.Load();
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                logger.LoadFailed(e.Message);
                saved = [];
            }

            var now = time.GetUtcNow();
            var dropped = false;
            foreach (var lease in saved)
            {
                if (!lease.IsActive(now))
                {
                    Remember(lease.Mac, lease.Ip, lease.Expiry);
                    dropped = true;
                }
                else if (!pool.Contains(lease.Ip))
                {
                    logger.OutOfPool(lease.Ip, lease.Mac);
                    dropped = true;
                }
                else if (leases.ContainsKey(lease.Mac) || leaseByIp.ContainsKey(lease.Ip))
                {
                    // A hand-edited file: the first row wins, as one MAC per address and one address per MAC must hold.
                    dropped = true;
                }
                else
                {
                    SetLease(lease);
                }
            }

            if (dropped)
            {
                TrySave();
            }

            foreach (var lease in leases.Values)
            {
                await AddRouteAsync(lease.Ip, cancellationToken).ConfigureAwait(false);
                await AdmitQuietlyAsync(lease, cancellationToken).ConfigureAwait(false);
            }

            logger.Restored(leases.Count);
        }
        finally
        {
            Publish();
            gate.Release();
        }
    }

    public Task<DhcpReply?> HandleAsync(ReadOnlyMemory<byte> datagram, CancellationToken cancellationToken) =>
        HandleAsync(datagram, null, cancellationToken);

    /// <summary>The reply to <paramref name="datagram"/>, or null when none is due (malformed, RELEASE, DECLINE, ...).</summary>
    public async Task<DhcpReply?> HandleAsync(ReadOnlyMemory<byte> datagram, EndPoint? sender, CancellationToken cancellationToken)
    {
        if (DhcpMessage.TryParse(datagram.Span, out var reason) is not { } message)
        {
            logger.Dropped(sender, reason);
            return null;
        }

        var mac = MacAddress.Format(message.ClientHardware.AsSpan(0, 6));
        await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var now = time.GetUtcNow();
            await ExpireAsync(now, cancellationToken).ConfigureAwait(false);
            switch (message.Type)
            {
                case DhcpMessageType.Discover:
                    return Discover(message, mac, now);
                case DhcpMessageType.Request:
                    return await RequestAsync(message, mac, now, cancellationToken).ConfigureAwait(false);
                case DhcpMessageType.Release:
                    await ReleaseMessageAsync(message, mac, now, cancellationToken).ConfigureAwait(false);
                    return null;
                case DhcpMessageType.Decline:
                    await DeclineAsync(message, mac, now, cancellationToken).ConfigureAwait(false);
                    return null;
                case DhcpMessageType.Inform:
                    return Reply(message, DhcpMessageType.Inform, IPAddress.Any);
                default:
                    logger.Ignored(message.Type, mac, "a server's message type from a client");
                    return null;
            }
        }
        finally
        {
            Publish();
            gate.Release();
        }
    }

    /// <summary>
    /// The control socket's release (vk-cocoon deleting a VM): the MAC's lease leaves the journal, then its route goes and
    /// the address cools down. False when the MAC had no lease.
    /// </summary>
    public async Task<bool> ReleaseAsync(string mac, CancellationToken cancellationToken)
    {
        if (!MacAddress.TryCanonical(mac, out var canonical))
        {
            return false;
        }

        await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var now = time.GetUtcNow();
            await ExpireAsync(now, cancellationToken).ConfigureAwait(false);
            ClearOffer(canonical);
            if (!leases.TryGetValue(canonical, out var lease))
            {
                return false;
            }

            await EndLeaseAsync(lease, now, cancellationToken).ConfigureAwait(false);
            logger.Released(lease.Ip, canonical);
            return true;
        }
        finally
        {
            Publish();
            gate.Release();
        }
    }

    /// <summary>Ends expired offers, declines and leases (journal first, then routes); the host runs it every ~10 s.</summary>
    public async Task SweepAsync(CancellationToken cancellationToken)
    {
        await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await ExpireAsync(time.GetUtcNow(), cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            Publish();
            gate.Release();
        }
    }

    /// <summary>
    /// A re-run changed the pool (or DNS, lease time, ...): leases outside the new pool end (journal, then routes).
    /// Async, unlike a plain setter, because ending a lease writes the journal and the kernel.
    /// </summary>
    public async Task ReconfigureAsync(DhcpServerSettings next, CancellationToken cancellationToken)
    {
        await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            settings = next;
            pool = [.. next.Pool];
            foreach (var (mac, held) in offers.Where(o => !pool.Contains(o.Value.Ip)).ToList())
            {
                ClearOffer(mac);
            }

            var outside = leases.Values.Where(l => !pool.Contains(l.Ip)).ToList();
            foreach (var lease in outside)
            {
                RemoveLease(lease.Mac);
                logger.OutOfPool(lease.Ip, lease.Mac);
            }

            if (outside.Count > 0)
            {
                TrySave();
                foreach (var lease in outside)
                {
                    await EndedAsync(lease.Mac, lease.Ip, cancellationToken).ConfigureAwait(false);
                }
            }
        }
        finally
        {
            Publish();
            gate.Release();
        }
    }

    /// <summary>
    /// DISCOVER: the MAC's lease, else its held offer, else its previous address, else the address it asks for (option
    /// 50), else the free address unused the longest. Rapid commit (option 80, RFC 4039) is ignored: a plain OFFER
    /// keeps the journal-route-ACK order in one place and lets a client choose between servers.
    /// </summary>
    private DhcpReply? Discover(DhcpMessage message, string mac, DateTimeOffset now)
    {
        var ip = leases.TryGetValue(mac, out var lease) ? lease.Ip
            : offers.TryGetValue(mac, out var held) ? held.Ip
            : Pick(mac, message.AddressOption(DhcpOptionCode.RequestedAddress), now);
        if (ip is null)
        {
            logger.PoolExhausted(mac);
            return null;
        }

        if (lease is null)
        {
            // (Re)held for a full OfferHold: a client still discovering is still about to request it.
            SetOffer(mac, new Held(ip, now + settings.OfferHold));
        }

        logger.Offered(ip, mac);
        return Reply(message, DhcpMessageType.Offer, ip);
    }

    private IPAddress? Pick(string mac, IPAddress? requested, DateTimeOffset now)
    {
        if (previous.TryGetValue(mac, out var before) && AvailableTo(before, mac, now))
        {
            return before;
        }

        if (requested is not null && AvailableTo(requested, mac, now))
        {
            return requested;
        }

        // Longest unused first (never used counts as longest, in pool order); an address cooling down for another MAC
        // only when nothing else is free.
        IPAddress? best = null, cooling = null;
        DateTimeOffset bestAt = DateTimeOffset.MaxValue, coolingAt = DateTimeOffset.MaxValue;
        foreach (var ip in settings.Pool)
        {
            if (!IsFree(ip))
            {
                continue;
            }

            var at = freed.TryGetValue(ip, out var f) ? f.At : DateTimeOffset.MinValue;
            if (IsCooling(ip, mac, now))
            {
                if (at < coolingAt)
                {
                    (cooling, coolingAt) = (ip, at);
                }
            }
            else if (at < bestAt)
            {
                (best, bestAt) = (ip, at);
            }
        }

        return best ?? cooling;
    }

    /// <summary>
    /// REQUEST in its four client states (RFC 2131 4.3.2): SELECTING (option 54), INIT-REBOOT (option 50, no ciaddr),
    /// RENEWING and REBINDING (ciaddr).
    /// </summary>
    private async Task<DhcpReply?> RequestAsync(DhcpMessage message, string mac, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var serverId = message.AddressOption(DhcpOptionCode.ServerIdentifier);
        var requested = message.AddressOption(DhcpOptionCode.RequestedAddress);
        var ciaddr = IsUnset(message.ClientAddress) ? null : message.ClientAddress;
        leases.TryGetValue(mac, out var lease);
        var heldIp = offers.TryGetValue(mac, out var held) ? held.Ip : null;

        if (serverId is not null)
        {
            if (!serverId.Equals(settings.Server))
            {
                // The client took another server's offer: ours is free again, and RFC 2131 wants no reply.
                ClearOffer(mac);
                logger.IgnoredOtherServer(message.Type, mac, serverId);
                return null;
            }

            if ((requested ?? ciaddr) is not { } chosen)
            {
                logger.Ignored(message.Type, mac, "no address requested");
                return null;
            }

            return chosen.Equals(heldIp) || chosen.Equals(lease?.Ip) || (lease is null && AvailableTo(chosen, mac, now))
                ? await GrantAsync(message, mac, chosen, now, cancellationToken).ConfigureAwait(false)
                : Nak(message, mac, chosen, "not available");
        }

        if (ciaddr is null)
        {
            if (requested is null)
            {
                logger.Ignored(message.Type, mac, "no address requested");
                return null;
            }

            if (!settings.Subnet.Contains(requested))
            {
                return Nak(message, mac, requested, "wrong subnet");
            }

            if (lease is not null)
            {
                // One lease per MAC: a client rebooting with another address than its binding is told so, and its next
                // DISCOVER is offered its lease.
                return lease.Ip.Equals(requested)
                    ? await GrantAsync(message, mac, requested, now, cancellationToken).ConfigureAwait(false)
                    : Nak(message, mac, requested, $"leased {lease.Ip}");
            }

            return requested.Equals(heldIp) || AvailableTo(requested, mac, now)
                ? await GrantAsync(message, mac, requested, now, cancellationToken).ConfigureAwait(false)
                : Nak(message, mac, requested, "not available");
        }

        return ciaddr.Equals(lease?.Ip)
            ? await GrantAsync(message, mac, ciaddr, now, cancellationToken).ConfigureAwait(false)
            : Nak(message, mac, ciaddr, "not this client's lease");
    }

    private async Task<DhcpReply?> GrantAsync(DhcpMessage message, string mac, IPAddress ip, DateTimeOffset now, CancellationToken cancellationToken)
    {
        leases.TryGetValue(mac, out var before);
        ClearOffer(mac);
        SetLease(new Lease(mac, ip, now + settings.LeaseTime));
        if (!TrySave())
        {
            // Nothing durable changed: the previous lease (a renewal's) stands, as the file still says.
            RemoveLease(mac);
            if (before is not null)
            {
                SetLease(before);
            }

            return Nak(message, mac, ip, "lease not saved");
        }

        try
        {
            await routes.AddAsync(ip, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            logger.RouteAddFailed(ip, e.Message);
            RemoveLease(mac);
            TrySave();
            if (before is not null)
            {
                // A renewal's route may or may not have survived the failed replace: no lease, so no route.
                await RemoveRouteAsync(ip, cancellationToken).ConfigureAwait(false);
            }

            return Nak(message, mac, ip, "route not added");
        }

        try
        {
            // After the route, before the ACK: the client's first packet under the lease must not meet the drop.
            await Admission.AdmitAsync(mac, ip, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            logger.AdmissionFailed(ip, mac, e.Message);
            RemoveLease(mac);
            TrySave();
            await EndedAsync(mac, ip, cancellationToken).ConfigureAwait(false);
            return Nak(message, mac, ip, "not admitted by port security");
        }

        if (freed.TryGetValue(ip, out var last) && last.Mac != mac && previous.TryGetValue(last.Mac, out var theirs) && theirs.Equals(ip))
        {
            // The address has a new holder: its last one no longer gets it back, and the sticky memory stays no larger
            // than the pool however many VMs come and go.
            previous.Remove(last.Mac);
        }

        Interlocked.Increment(ref leasesOk);
        logger.Acked(ip, mac);
        return Reply(message, DhcpMessageType.Ack, ip);
    }

    /// <summary>RELEASE: honoured only from the client holding the lease on ciaddr (anyone can forge chaddr, but not both).</summary>
    private async Task ReleaseMessageAsync(DhcpMessage message, string mac, DateTimeOffset now, CancellationToken cancellationToken)
    {
        if (message.AddressOption(DhcpOptionCode.ServerIdentifier) is { } serverId && !serverId.Equals(settings.Server))
        {
            logger.IgnoredOtherServer(message.Type, mac, serverId);
            return;
        }

        if (!leases.TryGetValue(mac, out var lease) || !lease.Ip.Equals(message.ClientAddress))
        {
            logger.IgnoredNotHeld(message.Type, mac, message.ClientAddress);
            return;
        }

        await EndLeaseAsync(lease, now, cancellationToken).ConfigureAwait(false);
        logger.Released(lease.Ip, mac);
    }

    /// <summary>DECLINE: the address (option 50) held or leased by this MAC is in use elsewhere; it is set aside.</summary>
    private async Task DeclineAsync(DhcpMessage message, string mac, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var ip = message.AddressOption(DhcpOptionCode.RequestedAddress);
        var serverId = message.AddressOption(DhcpOptionCode.ServerIdentifier);
        var held = ip is not null && offers.TryGetValue(mac, out var offer) && offer.Ip.Equals(ip);
        var leased = ip is not null && leases.TryGetValue(mac, out var lease) && lease.Ip.Equals(ip);
        if (ip is null || (serverId is not null && !serverId.Equals(settings.Server)) || (!held && !leased))
        {
            logger.IgnoredNotHeld(message.Type, mac, ip);
            return;
        }

        ClearOffer(mac);
        if (leased)
        {
            RemoveLease(mac);
            TrySave();
            await EndedAsync(mac, ip!, cancellationToken).ConfigureAwait(false);
        }

        if (previous.TryGetValue(mac, out var before) && before.Equals(ip))
        {
            previous.Remove(mac);
        }

        declined[ip!] = now + settings.DeclineHold;
        logger.Declined(ip!, mac, settings.DeclineHold.TotalMinutes);
    }

    private DhcpReply Nak(DhcpMessage message, string mac, IPAddress ip, string reason)
    {
        Interlocked.Increment(ref leasesFailed);
        logger.Naked(ip, mac, reason);
        return Reply(message, DhcpMessageType.Nak, IPAddress.Any);
    }

    private DhcpReply Reply(DhcpMessage request, DhcpMessageType type, IPAddress yiaddr) =>
        DhcpReplies.Build(settings, request, type, yiaddr);

    private async Task ExpireAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        foreach (var (mac, _) in offers.Where(o => o.Value.Until <= now).ToList())
        {
            ClearOffer(mac);
        }

        foreach (var ip in declined.Where(d => d.Value <= now).Select(d => d.Key).ToList())
        {
            declined.Remove(ip);
        }

        var expired = leases.Values.Where(l => !l.IsActive(now)).ToList();
        if (expired.Count == 0)
        {
            return;
        }

        foreach (var lease in expired)
        {
            RemoveLease(lease.Mac);
            Remember(lease.Mac, lease.Ip, lease.Expiry);
            logger.Expired(lease.Ip, lease.Mac);
        }

        TrySave();
        foreach (var lease in expired)
        {
            await EndedAsync(lease.Mac, lease.Ip, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Journal, then route, then the address cools down with this MAC remembered as its last holder.</summary>
    private async Task EndLeaseAsync(Lease lease, DateTimeOffset now, CancellationToken cancellationToken)
    {
        RemoveLease(lease.Mac);
        TrySave();
        await EndedAsync(lease.Mac, lease.Ip, cancellationToken).ConfigureAwait(false);
        Remember(lease.Mac, lease.Ip, now);
    }

    private bool TrySave()
    {
        try
        {
            journal.Save(leases.Values.OrderBy(l => l.Ip, AddressOrder.Instance).ToList());
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            logger.SaveFailed(e.Message);
            return false;
        }
    }

    private async Task AddRouteAsync(IPAddress ip, CancellationToken cancellationToken)
    {
        try
        {
            await routes.AddAsync(ip, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            logger.RouteAddFailed(ip, e.Message);
        }
    }

    /// <summary>A lease ended: its route goes, then port security forgets it (each failure logged, neither stops the other).</summary>
    private async Task EndedAsync(string mac, IPAddress ip, CancellationToken cancellationToken)
    {
        await RemoveRouteAsync(ip, cancellationToken).ConfigureAwait(false);
        try
        {
            await Admission.RevokeAsync(mac, ip, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            logger.RevokeFailed(ip, mac, e.Message);
        }
    }

    private async Task AdmitQuietlyAsync(Lease lease, CancellationToken cancellationToken)
    {
        try
        {
            await Admission.AdmitAsync(lease.Mac, lease.Ip, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            logger.AdmissionFailed(lease.Ip, lease.Mac, e.Message);
        }
    }

    private async Task RemoveRouteAsync(IPAddress ip, CancellationToken cancellationToken)
    {
        try
        {
            await routes.RemoveAsync(ip, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            logger.RouteDeleteFailed(ip, e.Message);
        }
    }

    private bool IsFree(IPAddress ip) =>
        pool.Contains(ip) && !leaseByIp.ContainsKey(ip) && !offerByIp.ContainsKey(ip) && !declined.ContainsKey(ip);

    private bool IsCooling(IPAddress ip, string mac, DateTimeOffset now) =>
        freed.TryGetValue(ip, out var f) && f.Mac != mac && now - f.At < settings.Cooldown;

    private bool AvailableTo(IPAddress ip, string mac, DateTimeOffset now) => IsFree(ip) && !IsCooling(ip, mac, now);

    private void Remember(string mac, IPAddress ip, DateTimeOffset at)
    {
        previous[mac] = ip;
        freed[ip] = new Freed(mac, at);
    }

    private void SetLease(Lease lease)
    {
        RemoveLease(lease.Mac);
        leases[lease.Mac] = lease;
        leaseByIp[lease.Ip] = lease.Mac;
    }

    private void RemoveLease(string mac)
    {
        if (leases.Remove(mac, out var lease))
        {
            leaseByIp.Remove(lease.Ip);
        }
    }

    private void SetOffer(string mac, Held held)
    {
        ClearOffer(mac);
        offers[mac] = held;
        offerByIp[held.Ip] = mac;
    }

    private void ClearOffer(string mac)
    {
        if (offers.Remove(mac, out var held))
        {
            offerByIp.Remove(held.Ip);
        }
    }

    private void Publish() => snapshot = new Snapshot(
        leases.Values.OrderBy(l => l.Ip, AddressOrder.Instance).ToList(),
        pool.Count(IsFree));

    public void Dispose() => gate.Dispose();

    private static bool IsUnset(IPAddress address) => address.Equals(IPAddress.Any);

    private sealed record Held(IPAddress Ip, DateTimeOffset Until);

    private sealed record Freed(string Mac, DateTimeOffset At);

    private sealed record Snapshot(IReadOnlyList<Lease> Leases, int Available);

    /// <summary>IPv4 addresses in numeric order, so the journal and listings read in address order.</summary>
    private sealed class AddressOrder : IComparer<IPAddress>
    {
        public static readonly AddressOrder Instance = new();

        public int Compare(IPAddress? x, IPAddress? y) =>
            (x is null ? 0u : Ipv4.ToUInt32(x)).CompareTo(y is null ? 0u : Ipv4.ToUInt32(y));
    }
}
