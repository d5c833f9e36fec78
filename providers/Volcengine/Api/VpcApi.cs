namespace CocoonNet.Providers.Volcengine.Api;

/// <summary>The VPC (and two ECS) actions cocoon-net uses, typed. Lists are paged through completely.</summary>
internal sealed class VpcApi(OpenApiClient client)
{
    private const string VpcService = "vpc";
    private const string Ecs = "ecs";
    private const int PageSize = 100;

    public async Task<IReadOnlyList<Subnet>> DescribeSubnetsAsync(QueryParameters filter, CancellationToken cancellationToken)
    {
        var all = new List<Subnet>();
        for (var page = 1; ; page++)
        {
            var query = Page(filter, page);
            var result = await client.CallAsync(VpcService, "DescribeSubnets", query, VpcJsonContext.Default.DescribeSubnetsResult, filter.Get("VpcId"), cancellationToken)
                .ConfigureAwait(false);
            var items = result.Subnets ?? [];
            all.AddRange(items);
            if (items.Count < PageSize || all.Count >= result.TotalCount)
            {
                return all;
            }
        }
    }

    public async Task<Subnet?> DescribeSubnetAsync(string subnetId, CancellationToken cancellationToken)
    {
        var found = await DescribeSubnetsAsync(new QueryParameters().AddList("SubnetIds", [subnetId]), cancellationToken).ConfigureAwait(false);
        return found.FirstOrDefault(s => s.SubnetId == subnetId);
    }

    /// <summary>
    /// One VPC, or null when DescribeVpcs does not list it. Request and response shape: volcengine-go-sdk
    /// service/vpc/api_describe_vpcs.go (VpcIds as a list, <c>VpcIds.1</c>; Result.Vpcs[].Status).
    /// </summary>
    public async Task<Vpc?> DescribeVpcAsync(string vpcId, CancellationToken cancellationToken)
    {
        var result = await client.CallAsync(VpcService, "DescribeVpcs", new QueryParameters().AddList("VpcIds", [vpcId]),
            VpcJsonContext.Default.DescribeVpcsResult, vpcId, cancellationToken).ConfigureAwait(false);
        return result.Vpcs?.FirstOrDefault(v => v.VpcId == vpcId);
    }

    public async Task<string> CreateSubnetAsync(
        string vpcId, string zoneId, string cidr, string name, IEnumerable<KeyValuePair<string, string>> tags, string clientToken,
        CancellationToken cancellationToken)
    {
        var query = new QueryParameters()
            .Add("VpcId", vpcId).Add("ZoneId", zoneId).Add("CidrBlock", cidr).Add("SubnetName", name)
            .Add("Description", "VM subnet managed by cocoon-net").AddTags("Tags", tags).Add("ClientToken", clientToken);
        var result = await client.CallAsync(VpcService, "CreateSubnet", query, VpcJsonContext.Default.CreateSubnetResult, $"{name} ({cidr})", cancellationToken)
            .ConfigureAwait(false);
        return result.SubnetId;
    }

    public Task DeleteSubnetAsync(string subnetId, CancellationToken cancellationToken) =>
        client.CallAsync(VpcService, "DeleteSubnet", new QueryParameters().Add("SubnetId", subnetId), VpcJsonContext.Default.EmptyResult, subnetId, cancellationToken);

    public async Task<IReadOnlyList<NetworkInterface>> DescribeNetworkInterfacesAsync(QueryParameters filter, CancellationToken cancellationToken)
    {
        var all = new List<NetworkInterface>();
        for (var page = 1; ; page++)
        {
            var result = await client.CallAsync(VpcService, "DescribeNetworkInterfaces", Page(filter, page),
                VpcJsonContext.Default.DescribeNetworkInterfacesResult, filter.Get("InstanceId") ?? filter.Get("SubnetId"), cancellationToken).ConfigureAwait(false);
            var items = result.NetworkInterfaceSets ?? [];
            all.AddRange(items);
            if (items.Count < PageSize || all.Count >= result.TotalCount)
            {
                return all;
            }
        }
    }

    /// <summary>One ENI, or null when it does not exist (deleted).</summary>
    public async Task<NetworkInterface?> DescribeNetworkInterfaceAsync(string eniId, CancellationToken cancellationToken)
    {
        try
        {
            var eni = await client.CallAsync(VpcService, "DescribeNetworkInterfaceAttributes", new QueryParameters().Add("NetworkInterfaceId", eniId),
                VpcJsonContext.Default.NetworkInterface, eniId, cancellationToken).ConfigureAwait(false);
            return eni.NetworkInterfaceId.Length == 0 ? null : eni;
        }
        catch (VolcengineApiException e) when (e.IsNotFound)
        {
            return null;
        }
    }

    public async Task<string> CreateNetworkInterfaceAsync(
        string subnetId, string securityGroupId, string name, IEnumerable<KeyValuePair<string, string>> tags, int secondaryIps, string clientToken,
        CancellationToken cancellationToken)
    {
        var query = new QueryParameters()
            .Add("SubnetId", subnetId).AddList("SecurityGroupIds", [securityGroupId]).Add("NetworkInterfaceName", name)
            .Add("Description", "VM addresses managed by cocoon-net").AddTags("Tags", tags).Add("ClientToken", clientToken);
        if (secondaryIps > 0)
        {
            query.Add("SecondaryPrivateIpAddressCount", secondaryIps);
        }

        var result = await client.CallAsync(VpcService, "CreateNetworkInterface", query, VpcJsonContext.Default.CreateNetworkInterfaceResult, name, cancellationToken)
            .ConfigureAwait(false);
        return result.NetworkInterfaceId;
    }

    public Task AttachNetworkInterfaceAsync(string instanceId, string eniId, CancellationToken cancellationToken) =>
        client.CallAsync(VpcService, "AttachNetworkInterface", new QueryParameters().Add("InstanceId", instanceId).Add("NetworkInterfaceId", eniId),
            VpcJsonContext.Default.EmptyResult, eniId, cancellationToken);

    public Task DetachNetworkInterfaceAsync(string instanceId, string eniId, CancellationToken cancellationToken) =>
        client.CallAsync(VpcService, "DetachNetworkInterface", new QueryParameters().Add("InstanceId", instanceId).Add("NetworkInterfaceId", eniId),
            VpcJsonContext.Default.EmptyResult, eniId, cancellationToken);

    public Task DeleteNetworkInterfaceAsync(string eniId, CancellationToken cancellationToken) =>
        client.CallAsync(VpcService, "DeleteNetworkInterface", new QueryParameters().Add("NetworkInterfaceId", eniId),
            VpcJsonContext.Default.EmptyResult, eniId, cancellationToken);

    public async Task<IReadOnlyList<string>> AssignPrivateIpAddressesAsync(string eniId, int count, string clientToken, CancellationToken cancellationToken)
    {
        var query = new QueryParameters().Add("NetworkInterfaceId", eniId).Add("SecondaryPrivateIpAddressCount", count).Add("ClientToken", clientToken);
        var result = await client.CallAsync(VpcService, "AssignPrivateIpAddresses", query, VpcJsonContext.Default.AssignPrivateIpAddressesResult, eniId, cancellationToken)
            .ConfigureAwait(false);
        return result.PrivateIpSet ?? [];
    }

    /// <summary>The ENI and per-ENI IP limits of an instance type (ECS), or null when the type is unknown.</summary>
    public async Task<InstanceTypeNetwork?> DescribeInstanceTypeAsync(string instanceType, CancellationToken cancellationToken)
    {
        var result = await client.CallAsync(Ecs, "DescribeInstanceTypes", new QueryParameters().AddList("InstanceTypeIds", [instanceType]),
            VpcJsonContext.Default.DescribeInstanceTypesResult, instanceType, cancellationToken).ConfigureAwait(false);
        return result.InstanceTypes?.FirstOrDefault(t => t.InstanceTypeId == instanceType)?.Network;
    }

    private static QueryParameters Page(QueryParameters filter, int page)
    {
        var query = new QueryParameters();
        foreach (var (key, value) in filter.Pairs)
        {
            query.Add(key, value);
        }

        return query.Add("PageNumber", page).Add("PageSize", PageSize);
    }
}
