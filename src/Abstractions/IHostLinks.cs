namespace CocoonNet.Abstractions;

/// <summary>
/// The host's network links, as the pipeline hands them to plugins: the only kernel access a plugin gets.
/// Resolve it from the service provider (constructor injection).
/// </summary>
public interface IHostLinks
{
    /// <summary>All links of the current network namespace.</summary>
    Task<IReadOnlyList<HostLink>> ListAsync(CancellationToken cancellationToken);

    /// <summary>Sets the link administratively up; a no-op when it already is.</summary>
    Task SetUpAsync(string name, CancellationToken cancellationToken);
}

/// <summary>A network link of the host.</summary>
/// <param name="Name">Interface name, e.g. <c>eth1</c>.</param>
/// <param name="Index">Kernel interface index.</param>
/// <param name="Mac">Hardware address in lower-case <c>aa:bb:cc:dd:ee:ff</c> form, empty when none.</param>
/// <param name="IsUp">Administratively up.</param>
/// <param name="Kind">Link kind from the kernel (<c>bridge</c>, <c>veth</c>, ...), empty for physical NICs.</param>
public sealed record HostLink(string Name, int Index, string Mac, bool IsUp, string Kind);
