using CocoonNet.Node.Leases;

namespace CocoonNet.Host.Agent.Leases;

/// <summary>The node's DHCP leases as the control socket serves them, whichever program answers DHCP on the bridge.</summary>
internal interface ILeaseService
{
    /// <summary>The leases leases.json holds now (pool addresses only).</summary>
    Task<IReadOnlyList<Lease>> ListAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Ends the lease of <paramref name="canonicalMac"/> (the form <see cref="MacAddress.TryCanonical"/> makes): once
    /// this returns, neither the DHCP server nor leases.json holds it. No lease is not an error (a VM deleted twice).
    /// A failure throws <see cref="LeaseReleaseException"/>, one line for the caller.
    /// </summary>
    Task ReleaseAsync(string canonicalMac, CancellationToken cancellationToken);
}

/// <summary>A release could not be done; the message is one line, sent back to the caller as the 500's body.</summary>
internal sealed class LeaseReleaseException(string message, Exception? inner = null) : Exception(message, inner);
