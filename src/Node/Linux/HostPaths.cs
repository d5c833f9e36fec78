namespace CocoonNet.Node.Linux;

/// <summary>
/// Every file cocoon-net writes outside the state dir. All sit under one root (<c>COCOON_NET_ROOT</c>,
/// default <c>/</c>) so tests and packagers can redirect them without touching the machine's <c>/etc</c>.
/// </summary>
internal sealed record HostPaths(string Root)
{
    public const string RootVariable = "COCOON_NET_ROOT";

    public static HostPaths FromEnvironment() =>
        new(Environment.GetEnvironmentVariable(RootVariable) is { Length: > 0 } root ? Path.GetFullPath(root) : "/");

    public string CniConfigFile => Under("etc/cni/net.d/30-dnsmasq-dhcp.conflist");

    /// <summary>The conflist of the embedded DHCP backend (network <c>cocoon-dhcp</c>, upstream's newest name).</summary>
    public string EmbeddedCniConfigFile => Under("etc/cni/net.d/30-cocoon-dhcp.conflist");

    /// <summary>The agent's lease control socket (vk-cocoon's <c>DefaultControlSocket</c>), root-only.</summary>
    public string ControlSocket => Path.Combine(RunDirectory, "control.sock");

    public string DnsmasqConfigFile => Under("etc/dnsmasq-cni.d/cni0.conf");

    public string DnsmasqLeaseFile => Under("var/lib/misc/dnsmasq.leases");

    public string RunDirectory => Under("run/cocoon-net");

    public string DnsmasqPidFile => Path.Combine(RunDirectory, "dnsmasq-cni.pid");

    /// <summary>Copy of the config the running dnsmasq was (re)started with.</summary>
    public string DnsmasqAppliedStamp => Path.Combine(RunDirectory, "dnsmasq-cni.applied");

    /// <summary>Where cocoon-net's own logs go (mode 0750).</summary>
    public string LogDirectory => Under("var/log/cocoon-net");

    /// <summary>dnsmasq's log in process mode (systemd mode logs to the journal).</summary>
    public string DnsmasqLogFile => Path.Combine(LogDirectory, "dnsmasq-cni.log");

    public string SystemdUnitFile => Under("etc/systemd/system/dnsmasq-cni.service");

    /// <summary>Exists only when systemd is PID 1 (sd_booted()).</summary>
    public string SystemdRuntimeDirectory => Under("run/systemd/system");

    public string DefaultStateDirectory => Under("var/lib/cocoon/net");

    /// <summary>The optional settings file (plugin settings under <c>plugins.&lt;plugin&gt;</c>).</summary>
    public string ConfigFile => Under("etc/cocoon-net/config.json");

    /// <summary>An absolute host path (or one relative to /) under the root.</summary>
    public string Under(string path) => Path.Combine(Root, path.TrimStart('/'));
}
