using System.Net;

namespace CocoonNet.Abstractions;

/// <summary>
/// The host's network as the pipeline hands it to plugins: the only kernel access a plugin gets.
/// Resolve it from the service provider (constructor injection).
/// </summary>
public interface IHostNetwork
{
    /// <summary>All links of the current network namespace.</summary>
    Task<IReadOnlyList<HostLink>> ListLinksAsync(CancellationToken cancellationToken);

    /// <summary>Sets the link administratively up; a no-op when it already is.</summary>
    Task SetLinkUpAsync(string name, CancellationToken cancellationToken);

    /// <summary>
    /// Destinations of the <c>local</c>-type routes in table <c>local</c> on <paramref name="device"/>
    /// (e.g. routes a cloud guest agent adds for alias ranges).
    /// </summary>
    Task<IReadOnlyList<IPNetwork>> ListLocalRoutesAsync(string device, CancellationToken cancellationToken);

    /// <summary>Deletes one such route; false when it was not there.</summary>
    Task<bool> DeleteLocalRouteAsync(IPNetwork destination, string device, CancellationToken cancellationToken);
}

/// <summary>A network link of the host.</summary>
public sealed record HostLink
{
    /// <summary>Interface name, e.g. <c>eth1</c>.</summary>
    public required string Name { get; init; }

    /// <summary>Kernel interface index.</summary>
    public required int Index { get; init; }

    /// <summary>Hardware address in lower-case <c>aa:bb:cc:dd:ee:ff</c> form, empty when none.</summary>
    public string Mac { get; init; } = "";

    /// <summary>Administratively up.</summary>
    public bool IsUp { get; init; }

    /// <summary>Link kind from the kernel (<c>bridge</c>, <c>veth</c>, ...), empty for physical NICs.</summary>
    public string Kind { get; init; } = "";
}

/// <summary>
/// Where host files live. cocoon-net can be pointed at another filesystem root (tests, packaging);
/// a plugin that reads or writes host files (e.g. a guest agent's config) maps paths through this.
/// </summary>
public interface IHostFileSystem
{
    /// <summary>Maps an absolute host path such as <c>/etc/default/x</c> to where it really is.</summary>
    string PathOf(string absolutePath);
}
