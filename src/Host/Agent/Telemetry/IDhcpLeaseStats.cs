namespace CocoonNet.Host.Agent.Telemetry;

/// <summary>
/// What the DHCP backend tells <c>/metrics</c> (upstream's three DHCP series), read at scrape time. Each backend
/// (dnsmasq through the lease mirror, the embedded server) supplies its own.
/// </summary>
internal interface IDhcpLeaseStats
{
    /// <summary>Leases granted (renewals included) since the agent started.</summary>
    long Ok { get; }

    /// <summary>Requests refused since the agent started.</summary>
    long Failed { get; }

    /// <summary>Pool addresses with an unexpired lease.</summary>
    int Active { get; }

    /// <summary>Pool addresses without an unexpired lease.</summary>
    int Available { get; }
}
