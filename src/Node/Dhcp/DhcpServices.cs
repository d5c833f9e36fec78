namespace CocoonNet.Node.Dhcp;

/// <summary>
/// Both ways of running dnsmasq-cni. Setup uses the mode chosen for this run; status and teardown use
/// the mode recorded in pool.json, so a service started one way is always stopped the same way.
/// </summary>
internal sealed class DhcpServices(IEnumerable<IDhcpService> services)
{
    private readonly IReadOnlyList<IDhcpService> _services = services.ToList();

    public IDhcpService For(string mode) => _services.FirstOrDefault(s => s.Mode == mode)
        ?? throw new InvalidOperationException($"unknown DHCP service mode {mode}");
}
