using CocoonNet.Providers.Volcengine.Api;

namespace CocoonNet.Volcengine.Tests.Unit;

public sealed class QueryTests
{
    [Fact]
    public void Canonical_query_sorts_and_escapes_like_the_sdks()
    {
        var query = QueryEncoding.Canonical(
        [
            new("Version", "2020-04-01"), new("Note", "a b/c:d~e*"), new("Action", "DescribeInstanceTypes"), new("InstanceTypes.1", "ecs.g1ie.xlarge"),
        ]);
        Assert.Equal("Action=DescribeInstanceTypes&InstanceTypes.1=ecs.g1ie.xlarge&Note=a%20b%2Fc%3Ad~e%2A&Version=2020-04-01", query);
    }

    [Fact]
    public void Non_ascii_is_escaped_as_utf8_with_upper_case_hex() => Assert.Equal("%C3%A9%2B%3D%26", QueryEncoding.Escape("é+=&"));

    [Fact]
    public void Lists_structs_and_tag_filters_are_flattened_one_based()
    {
        var query = new QueryParameters()
            .Add("SubnetId", "subnet-1")
            .AddList("SecurityGroupIds", ["sg-1", "sg-2"])
            .AddTags("Tags", [new("cocoon-net:node", "n1"), new("k", "v")])
            .AddTagFilters([new("cocoon-net:managed-by", "cocoon-net")])
            .Add("SecondaryPrivateIpAddressCount", 20)
            .Add("PortSecurityEnabled", false)
            .Add("Description", null);

        Assert.Equal(
        [
            new("SubnetId", "subnet-1"),
            new("SecurityGroupIds.1", "sg-1"), new("SecurityGroupIds.2", "sg-2"),
            new("Tags.1.Key", "cocoon-net:node"), new("Tags.1.Value", "n1"), new("Tags.2.Key", "k"), new("Tags.2.Value", "v"),
            new("TagFilters.1.Key", "cocoon-net:managed-by"), new("TagFilters.1.Values.1", "cocoon-net"),
            new("SecondaryPrivateIpAddressCount", "20"),
            new("PortSecurityEnabled", "false"),
        ], query.Pairs);
    }

    [Fact]
    public void Empty_lists_send_nothing() => Assert.Empty(new QueryParameters().AddList("NetworkInterfaceIds", []).Pairs);
}
