using CocoonNet.Host.Kubernetes;

namespace CocoonNet.Tests.Unit.Kubernetes;

/// <summary>The Node's annotations as configuration: values read, a bad one named (not a CLI error).</summary>
public sealed class AnnotatedConfigTests
{
    private static AnnotatedConfig Read(params (string Key, string Value)[] annotations) =>
        AnnotatedConfig.From(annotations.ToDictionary(a => a.Key, a => a.Value));

    [Fact]
    public void All_four_annotations_are_read()
    {
        var config = Read(("cocoonstack.io/vm-subnet", "172.20.3.0/24"), ("cocoonstack.io/vm-pool-size", "100"),
            ("cocoonstack.io/vm-platform", "gke"), ("cocoonstack.io/vm-mode", "init"));
        Assert.Equal(new AnnotatedConfig("init", System.Net.IPNetwork.Parse("172.20.3.0/24"), 100, "gke", null), config);
    }

    [Fact]
    public void No_annotation_is_no_configuration()
    {
        Assert.Equal(new AnnotatedConfig(null, null, null, null, null), Read());
    }

    [Theory]
    [InlineData("cocoonstack.io/vm-subnet", "172.20.3.1/24", "annotation cocoonstack.io/vm-subnet: 172.20.3.1/24 has host bits set; did you mean 172.20.3.0/24?")]
    [InlineData("cocoonstack.io/vm-pool-size", "lots", "annotation cocoonstack.io/vm-pool-size=lots: use a whole number of at least 1")]
    [InlineData("cocoonstack.io/vm-mode", "serve", "annotation cocoonstack.io/vm-mode=serve: use init or adopt")]
    public void A_bad_value_names_the_annotation(string key, string value, string problem)
    {
        Assert.Equal(problem, Read((key, value)).Problem);
    }
}
