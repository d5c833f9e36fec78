using System.Text.Json.Serialization;

namespace CocoonNet.Providers.Volcengine.Api;

// The Result objects of the OpenAPI actions cocoon-net calls, with only the fields it reads.
// Wire names are the C# names (PascalCase), as the API returns them.

internal sealed record ResourceTag(string Key, string Value);

internal sealed record Subnet
{
    public string SubnetId { get; init; } = "";
    public string SubnetName { get; init; } = "";
    public string CidrBlock { get; init; } = "";
    public string ZoneId { get; init; } = "";
    public string VpcId { get; init; } = "";
    public string Status { get; init; } = "";
    public int AvailableIpAddressCount { get; init; }
    public IReadOnlyList<ResourceTag>? Tags { get; init; }
}

internal sealed record DescribeSubnetsResult
{
    public IReadOnlyList<Subnet>? Subnets { get; init; }
    public int TotalCount { get; init; }
}

internal sealed record CreateSubnetResult
{
    public string SubnetId { get; init; } = "";
}

/// <summary>
/// A VPC as DescribeVpcs returns it (volcengine-go-sdk service/vpc/api_describe_vpcs.go, VpcForDescribeVpcsOutput);
/// only what the wait after CreateSubnet reads.
/// </summary>
internal sealed record Vpc
{
    public string VpcId { get; init; } = "";
    public string VpcName { get; init; } = "";
    public string CidrBlock { get; init; } = "";
    public string Status { get; init; } = "";
}

internal sealed record DescribeVpcsResult
{
    public IReadOnlyList<Vpc>? Vpcs { get; init; }
    public int TotalCount { get; init; }
}

internal sealed record PrivateIp
{
    public string PrivateIpAddress { get; init; } = "";
    public bool Primary { get; init; }
}

internal sealed record PrivateIpSets
{
    public IReadOnlyList<PrivateIp>? PrivateIpSet { get; init; }
}

internal sealed record EniAttachment
{
    public string InstanceId { get; init; } = "";
}

internal sealed record NetworkInterface
{
    public string NetworkInterfaceId { get; init; } = "";
    public string NetworkInterfaceName { get; init; } = "";
    public string Type { get; init; } = "";
    public string Status { get; init; } = "";
    public string MacAddress { get; init; } = "";
    public string PrimaryIpAddress { get; init; } = "";
    public PrivateIpSets? PrivateIpSets { get; init; }
    public string DeviceId { get; init; } = "";
    public EniAttachment? Attachment { get; init; }
    public string SubnetId { get; init; } = "";
    public string VpcId { get; init; } = "";
    public string ZoneId { get; init; } = "";
    public IReadOnlyList<string>? SecurityGroupIds { get; init; }
    public IReadOnlyList<ResourceTag>? Tags { get; init; }

    /// <summary>The instance it is attached to, or empty.</summary>
    [JsonIgnore]
    public string InstanceId => Attachment?.InstanceId is { Length: > 0 } id ? id : DeviceId;

    [JsonIgnore]
    public IReadOnlyList<string> SecondaryIps =>
        (PrivateIpSets?.PrivateIpSet ?? []).Where(ip => !ip.Primary && ip.PrivateIpAddress != PrimaryIpAddress)
            .Select(ip => ip.PrivateIpAddress).ToList();

    public string? Tag(string key) => Tags?.FirstOrDefault(t => t.Key == key)?.Value;
}

internal sealed record DescribeNetworkInterfacesResult
{
    public IReadOnlyList<NetworkInterface>? NetworkInterfaceSets { get; init; }
    public int TotalCount { get; init; }
}

internal sealed record CreateNetworkInterfaceResult
{
    public string NetworkInterfaceId { get; init; } = "";
}

internal sealed record AssignPrivateIpAddressesResult
{
    public string NetworkInterfaceId { get; init; } = "";
    public IReadOnlyList<string>? PrivateIpSet { get; init; }
}

internal sealed record EmptyResult;

internal sealed record InstanceTypeNetwork
{
    public int MaximumNetworkInterfaces { get; init; }
    public int MaximumPrivateIpv4AddressesPerNetworkInterface { get; init; }
}

internal sealed record InstanceType
{
    public string InstanceTypeId { get; init; } = "";
    public InstanceTypeNetwork? Network { get; init; }
}

internal sealed record DescribeInstanceTypesResult
{
    public IReadOnlyList<InstanceType>? InstanceTypes { get; init; }
}

[JsonSerializable(typeof(DescribeSubnetsResult))]
[JsonSerializable(typeof(CreateSubnetResult))]
[JsonSerializable(typeof(DescribeVpcsResult))]
[JsonSerializable(typeof(DescribeNetworkInterfacesResult))]
[JsonSerializable(typeof(NetworkInterface))]
[JsonSerializable(typeof(CreateNetworkInterfaceResult))]
[JsonSerializable(typeof(AssignPrivateIpAddressesResult))]
[JsonSerializable(typeof(DescribeInstanceTypesResult))]
[JsonSerializable(typeof(EmptyResult))]
internal sealed partial class VpcJsonContext : JsonSerializerContext;
