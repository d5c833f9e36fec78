using System.Net;

namespace CocoonNet.Node.Leases;

/// <summary>
/// One DHCP lease as leases.json holds it: the guest's MAC (canonical: lower-case, colon-separated, as
/// <see cref="MacAddress.TryCanonical"/> makes it), its address and when the lease ends.
/// </summary>
internal sealed record Lease(string Mac, IPAddress Ip, DateTimeOffset Expiry)
{
    public bool IsActive(DateTimeOffset now) => Expiry > now;
}
