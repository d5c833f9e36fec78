namespace CocoonNet.Node.Pipeline;

/// <summary>
/// One part of the host plan, in the order the plan runs (teardown: the reverse). <see cref="Prepare"/> is the
/// platform backend's own preparation, which runs before the steps; every other id names one <see cref="IHostStep"/>.
/// The name is what a change line and a crash point show (<c>bridge/1/before</c>).
/// </summary>
internal sealed class HostStepId
{
    public static readonly HostStepId Prepare = new("prepare", 0);

    /// <summary>First of the steps, so teardown removes the directories after everything inside them.</summary>
    public static readonly HostStepId Directories = new("dirs", 1);

    public static readonly HostStepId Bridge = new("bridge", 2);

    public static readonly HostStepId Sysctl = new("sysctl", 3);

    public static readonly HostStepId Routes = new("routes", 4);

    public static readonly HostStepId Iptables = new("iptables", 5);

    public static readonly HostStepId Dhcp = new("dhcp", 6);

    public static readonly HostStepId Cni = new("cni", 7);

    /// <summary>
    /// After the DHCP server and the conflist, so teardown removes the lease table and the control socket first (before the directories).
    /// Setup has nothing to do: the agent writes both.
    /// </summary>
    public static readonly HostStepId Leases = new("leases", 8);

    /// <summary>
    /// VM port security, the nftables table <c>bridge cocoon</c> (anti-spoofing): last, so its lease set is seeded from
    /// a DHCP server already in place, and teardown lifts the enforcement before anything else goes.
    /// </summary>
    public static readonly HostStepId PortSecurity = new("portsec", 9);

    private HostStepId(string name, int order)
    {
        Name = name;
        Order = order;
    }

    public static IReadOnlyList<HostStepId> All { get; } = [Prepare, Directories, Bridge, Sysctl, Routes, Iptables, Dhcp, Cni, Leases, PortSecurity];

    public string Name { get; }

    /// <summary>Where the part runs in the plan: lower first.</summary>
    public int Order { get; }

    public override string ToString() => Name;
}
