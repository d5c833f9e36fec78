using System.Text.RegularExpressions;
using CocoonNet.Abstractions;
using CocoonNet.Providers.Gke.Compute;

namespace CocoonNet.Providers.Gke.Provisioning;

/// <summary>Where this node is in GCE: its project (the textual id), zone, region and instance name.</summary>
internal sealed partial record NodeLocation(string Project, string Zone, string Region, string Instance)
{
    public InstanceRef InstanceRef => new(Project, Zone, Instance);

    /// <summary>Checks metadata values before they end up in an API path.</summary>
    public static NodeLocation Create(string project, string zoneValue, string instance)
    {
        if (!ProjectId().IsMatch(project))
        {
            throw new GkeException($"metadata project/project-id '{project}' is not a GCE project id");
        }

        var zone = zoneValue[(zoneValue.LastIndexOf('/') + 1)..];
        if (!ZoneName().IsMatch(zone))
        {
            throw new GkeException($"metadata instance/zone '{zoneValue}' does not end in a zone name such as us-central1-a");
        }

        if (!ResourceName().IsMatch(instance))
        {
            throw new GkeException($"metadata instance/name '{instance}' is not a GCE instance name");
        }

        return new NodeLocation(project, zone, zone[..zone.LastIndexOf('-')], instance);
    }

    /// <summary>The location recorded in pool.json by init, when complete and valid.</summary>
    public static NodeLocation? FromResources(CloudResources resources)
    {
        if (resources.Value(ResourceKeys.Project) is not { } project || resources.Value(ResourceKeys.Zone) is not { } zone
            || resources.Value(ResourceKeys.Instance) is not { } instance)
        {
            return null;
        }

        try
        {
            return Create(project, zone, instance);
        }
        catch (GkeException)
        {
            return null;
        }
    }

    // Project ids: 6-30 chars, lower-case letters, digits, hyphens; older ones may carry a "domain:" prefix.
    [GeneratedRegex(@"^([a-z0-9.-]+:)?[a-z][-a-z0-9]{4,28}[a-z0-9]$")]
    private static partial Regex ProjectId();

    [GeneratedRegex(@"^[a-z]+(-[a-z]+)*[0-9]+-[a-z]$")]
    private static partial Regex ZoneName();

    [GeneratedRegex(@"^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$")]
    private static partial Regex ResourceName();
}
