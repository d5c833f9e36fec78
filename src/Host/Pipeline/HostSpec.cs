using System.Net;

namespace CocoonNet.Host.Pipeline;

/// <summary>The desired host configuration: everything the steps need, nothing they must look up.</summary>
internal sealed record HostSpec(
    IPNetwork Subnet,
    IPAddress Gateway,
    IReadOnlyList<IPAddress> Ips,
    string PrimaryNic,
    IReadOnlyList<string> Uplinks,
    IReadOnlyList<IPAddress> Dns,
    bool ManageIptables,
    DhcpServiceMode ServiceMode)
{
    public const string Bridge = "cni0";

    /// <summary>The primary NIC and the backend's uplinks, de-duplicated, in order.</summary>
    public IReadOnlyList<string> ForwardingNics =>
        new[] { PrimaryNic }.Concat(Uplinks).Where(n => n.Length > 0 && n != Bridge).Distinct().ToList();
}

/// <summary>How the dnsmasq-cni DHCP service is run.</summary>
internal enum DhcpServiceMode
{
    Process,
    Systemd,
}

/// <summary>
/// What cocoon-net itself created on the host, persisted in pool.json, so teardown undoes exactly that.
/// Ownership is claimed (and saved) before each change and confirmed or dropped after it: at any instant
/// the footprint covers everything that may exist, and a claim whose object is missing is nothing to do.
/// </summary>
internal sealed class HostFootprint
{
    public bool BridgeCreated { get; set; }

    /// <summary>The address cocoon-net put on cni0, e.g. <c>172.20.0.1/24</c>.</summary>
    public string? BridgeAddress { get; set; }

    public bool Iptables { get; set; }

    /// <summary>
    /// Identity of cocoon-net's rules as the kernel held them right after it last wrote them (nftables
    /// netlink view), together with the rules it wanted. While both still match, a re-run knows the rules
    /// are intact without forking iptables-save. Null where the kernel view cannot be read.
    /// </summary>
    public string? IptablesFingerprint { get; set; }

    /// <summary><c>process</c> or <c>systemd</c> once cocoon-net started the DHCP service.</summary>
    public string? DhcpService { get; set; }

    public bool DhcpUnitInstalled { get; set; }

    /// <summary>Files cocoon-net created (not ones it found and rewrote).</summary>
    public List<string> Files { get; set; } = [];

    /// <summary>Directories cocoon-net created, outermost first (removed at teardown only when empty).</summary>
    public List<string> Directories { get; set; } = [];

    /// <summary>True when cocoon-net owns nothing on the host.</summary>
    public bool OwnsNothing() => !BridgeCreated && BridgeAddress is null && !Iptables && DhcpService is null && !DhcpUnitInstalled
        && Files.Count == 0 && Directories.Count == 0;

    /// <summary>What the footprint still owns, one item each, for an operator.</summary>
    public IEnumerable<string> Describe()
    {
        if (BridgeCreated)
        {
            yield return $"bridge {HostSpec.Bridge}";
        }

        if (BridgeAddress is not null)
        {
            yield return $"address {BridgeAddress} on {HostSpec.Bridge}";
        }

        if (Iptables)
        {
            yield return "iptables chains COCOON-NET-* and their jumps";
        }

        if (DhcpService is not null)
        {
            yield return $"dnsmasq-cni ({DhcpService})";
        }

        if (DhcpUnitInstalled)
        {
            yield return "unit dnsmasq-cni.service";
        }

        foreach (var file in Files)
        {
            yield return file;
        }

        foreach (var directory in Directories)
        {
            yield return directory + "/";
        }
    }

    public HostFootprint Clone() => new()
    {
        BridgeCreated = BridgeCreated,
        BridgeAddress = BridgeAddress,
        Iptables = Iptables,
        IptablesFingerprint = IptablesFingerprint,
        DhcpService = DhcpService,
        DhcpUnitInstalled = DhcpUnitInstalled,
        Files = [.. Files],
        Directories = [.. Directories],
    };

    public bool SameAs(HostFootprint other) =>
        BridgeCreated == other.BridgeCreated
        && BridgeAddress == other.BridgeAddress
        && Iptables == other.Iptables
        && IptablesFingerprint == other.IptablesFingerprint
        && DhcpService == other.DhcpService
        && DhcpUnitInstalled == other.DhcpUnitInstalled
        && Files.SequenceEqual(other.Files, StringComparer.Ordinal)
        && Directories.SequenceEqual(other.Directories, StringComparer.Ordinal);

    public void RecordCreatedFile(string path)
    {
        if (!Files.Contains(path))
        {
            Files.Add(path);
        }
    }

    /// <summary>Claims every missing directory on the way to <paramref name="directory"/>, before it is made.</summary>
    public void ClaimDirectories(string directory)
    {
        var missing = new List<string>();
        for (var d = Path.TrimEndingDirectorySeparator(directory); !string.IsNullOrEmpty(d) && !Directory.Exists(d); d = Path.GetDirectoryName(d))
        {
            missing.Add(d);
        }

        missing.Reverse();
        foreach (var d in missing.Where(d => !Directories.Contains(d)))
        {
            Directories.Add(d);
        }
    }
}
