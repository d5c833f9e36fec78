using System.Text.RegularExpressions;

namespace CocoonNet.Providers.Gke.Compute;

/// <summary>An instance: <c>projects/{project}/zones/{zone}/instances/{name}</c>.</summary>
internal sealed record InstanceRef(string Project, string Zone, string Name)
{
    public string Path => $"projects/{Project}/zones/{Zone}/instances/{Name}";

    public override string ToString() => $"instance {Name} (project {Project}, zone {Zone})";
}

/// <summary>A subnetwork: <c>projects/{project}/regions/{region}/subnetworks/{name}</c>.</summary>
internal sealed partial record SubnetworkRef(string Project, string Region, string Name)
{
    public string Path => $"projects/{Project}/regions/{Region}/subnetworks/{Name}";

    public override string ToString() => $"subnetwork {Name} (project {Project}, region {Region})";

    /// <summary>
    /// From a NIC's <c>subnetwork</c> URL. Its project may differ from the instance's (Shared VPC), so it is
    /// always taken from the URL, never assumed.
    /// </summary>
    public static SubnetworkRef? FromUrl(string? url) =>
        url is not null && SubnetworkUrl().Match(url) is { Success: true } m
            ? new SubnetworkRef(m.Groups[1].Value, m.Groups[2].Value, m.Groups[3].Value)
            : null;

    [GeneratedRegex(@"projects/([^/]+)/regions/([^/]+)/subnetworks/([^/?]+)$")]
    private static partial Regex SubnetworkUrl();
}
