using System.Net;

namespace CocoonNet.Emulators.Volcengine;

internal sealed class EmuSubnet
{
    public required string Id { get; init; }
    public required string Name { get; init; }
    public required IPNetwork Cidr { get; init; }
    public required string Zone { get; init; }
    public required string VpcId { get; init; }
    public string Status { get; set; } = "Pending";
    public List<KeyValuePair<string, string>> Tags { get; init; } = [];
    public HashSet<string> UsedIps { get; } = [];
}

internal sealed class EmuEni
{
    public required string Id { get; init; }
    public required string Name { get; init; }
    public required string SubnetId { get; init; }
    public required string Mac { get; init; }
    public required string PrimaryIp { get; init; }
    public required string Type { get; init; }
    public required string SecurityGroup { get; init; }
    public string Status { get; set; } = "Creating";
    public string InstanceId { get; set; } = "";
    public List<string> SecondaryIps { get; } = [];
    public List<KeyValuePair<string, string>> Tags { get; init; } = [];

    /// <summary>The dummy link standing for this ENI in the node namespace, while attached.</summary>
    public string? LinkName { get; set; }
}
