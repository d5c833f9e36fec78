using System.Text.Json.Serialization;
using CocoonNet.Node.Net;

namespace CocoonNet.Node.State;

/// <summary>
/// What cocoon-net itself created on the host, persisted in pool.json (<c>host</c>), so teardown undoes
/// exactly that. Ownership is claimed (and saved) before each change and confirmed or dropped after it: at
/// any instant the footprint covers everything that may exist, and a claim whose object is missing is
/// nothing to do.
/// <para>
/// The steps update it in place, but every member is an immutable value (the lists are
/// <see cref="StringList"/>s, replaced on change): the record's generated equality and copy compare and
/// copy every field, present and future, with no hand-kept list to forget one in.
/// </para>
/// </summary>
internal sealed record HostFootprint
{
    [JsonPropertyName("bridgeCreated")]
    public bool BridgeCreated { get; set; }

    /// <summary>The address cocoon-net put on cni0, e.g. <c>172.20.0.1/24</c>.</summary>
    [JsonPropertyName("bridgeAddress")]
    public string? BridgeAddress { get; set; }

    /// <summary>
    /// cni0's MTU before cocoon-net first changed it, on a bridge cocoon-net did not create: teardown puts it back.
    /// Null when cocoon-net never changed it (or made the bridge, which goes with its MTU).
    /// </summary>
    [JsonPropertyName("bridgeMtu")]
    public int? BridgeOriginalMtu { get; set; }

    [JsonPropertyName("iptables")]
    public bool Iptables { get; set; }

    /// <summary>
    /// Identity of cocoon-net's rules as the kernel held them right after it last wrote them (nftables
    /// netlink view), together with the rules it wanted. While both still match, a re-run knows the rules
    /// are intact without forking iptables-save. Null where the kernel view cannot be read.
    /// </summary>
    [JsonPropertyName("iptablesFingerprint")]
    public string? IptablesFingerprint { get; set; }

    /// <summary>The nftables table <c>bridge cocoon</c> (anti-spoofing); omitted from pool.json when false.</summary>
    [JsonPropertyName("portSecurity")]
    public bool PortSecurity { get; set; }

    /// <summary><c>process</c> or <c>systemd</c> once cocoon-net started the DHCP service.</summary>
    [JsonPropertyName("dhcpService")]
    public string? DhcpService { get; set; }

    [JsonPropertyName("dhcpUnitInstalled")]
    public bool DhcpUnitInstalled { get; set; }

    /// <summary>Files cocoon-net created (not ones it found and rewrote).</summary>
    [JsonPropertyName("files")]
    public StringList Files { get; set => field = value ?? StringList.Empty; } = StringList.Empty;

    /// <summary>Directories cocoon-net created, outermost first (removed at teardown only when empty).</summary>
    [JsonPropertyName("directories")]
    public StringList Directories { get; set => field = value ?? StringList.Empty; } = StringList.Empty;

    /// <summary>True when cocoon-net owns nothing on the host.</summary>
    public bool OwnsNothing() => !BridgeCreated && BridgeAddress is null && BridgeOriginalMtu is null && !Iptables && !PortSecurity && DhcpService is null && !DhcpUnitInstalled
        && Files.Count == 0 && Directories.Count == 0;

    /// <summary>What the footprint still owns, one item each, for an operator.</summary>
    public IEnumerable<string> Describe()
    {
        if (BridgeCreated)
        {
            yield return $"bridge {Names.Bridge}";
        }

        if (BridgeAddress is not null)
        {
            yield return $"address {BridgeAddress} on {Names.Bridge}";
        }

        if (BridgeOriginalMtu is { } mtu)
        {
            yield return $"MTU of {Names.Bridge} (was {mtu})";
        }

        if (Iptables)
        {
            yield return "iptables chains COCOON-NET-* and their jumps";
        }

        if (PortSecurity)
        {
            yield return "nftables table bridge cocoon";
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

    /// <summary>A snapshot the steps' later changes do not reach (every member is immutable).</summary>
    public HostFootprint Snapshot() => this with { };

    public void RecordCreatedFile(string path)
    {
        if (!Files.Contains(path))
        {
            Files = Files.Append(path);
        }
    }

    public void ForgetFile(string path) => Files = Files.Without(path);

    public void ForgetDirectory(string directory) => Directories = Directories.Without(directory);

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
            Directories = Directories.Append(d);
        }
    }
}
