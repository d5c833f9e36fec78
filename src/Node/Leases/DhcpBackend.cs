namespace CocoonNet.Node.Leases;

/// <summary>Which program answers DHCP on cni0: dnsmasq (the original design, the default) or the agent's embedded server.</summary>
internal enum DhcpBackend
{
    Dnsmasq,
    Embedded,
}

/// <summary>The backends' names on the command line and in pool.json, and the CNI network each one's VMs join.</summary>
internal static class DhcpBackends
{
    public const string DnsmasqName = "dnsmasq";
    public const string EmbeddedName = "embedded";

    /// <summary>The CNI network of the dnsmasq backend (upstream's dnsmasq era, <c>30-dnsmasq-dhcp.conflist</c>).</summary>
    public const string DnsmasqNetwork = "dnsmasq-dhcp";

    /// <summary>The CNI network of the embedded server (upstream's newest version, <c>30-cocoon-dhcp.conflist</c>).</summary>
    public const string EmbeddedNetwork = "cocoon-dhcp";

    public static string Name(this DhcpBackend backend) => backend == DhcpBackend.Embedded ? EmbeddedName : DnsmasqName;

    /// <summary>The CNI network name (the conflist's <c>name</c>, which the cocoon engine stores in each VM record).</summary>
    public static string Network(this DhcpBackend backend) => backend == DhcpBackend.Embedded ? EmbeddedNetwork : DnsmasqNetwork;

    /// <summary>pool.json's <c>dhcp</c> value: absent (files written before the choice existed) is dnsmasq.</summary>
    public static bool TryParse(string? text, out DhcpBackend backend)
    {
        backend = text switch
        {
            null or "" or DnsmasqName => DhcpBackend.Dnsmasq,
            EmbeddedName => DhcpBackend.Embedded,
            _ => (DhcpBackend)(-1),
        };
        return Enum.IsDefined(backend);
    }
}
