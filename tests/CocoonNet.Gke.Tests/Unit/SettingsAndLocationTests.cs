using CocoonNet.Abstractions;
using CocoonNet.Providers.Gke;
using CocoonNet.Providers.Gke.Compute;
using CocoonNet.Providers.Gke.Provisioning;

namespace CocoonNet.Gke.Tests.Unit;

public sealed class SettingsAndLocationTests
{
    [Theory]
    [InlineData("us-central1-a", "us-central1")]
    [InlineData("projects/123/zones/asia-southeast1-b", "asia-southeast1")]
    [InlineData("northamerica-northeast1-c", "northamerica-northeast1")]
    public void The_region_comes_from_the_zone(string zone, string region)
    {
        var location = NodeLocation.Create("my-project", zone, "gke-node-1");
        Assert.Equal(region, location.Region);
        Assert.Equal(zone.Split('/')[^1], location.Zone);
    }

    [Theory]
    [InlineData("123456", "us-central1-a", "vm", "project/project-id '123456' is not a GCE project id")]
    [InlineData("my-project", "projects/1/zones/central", "vm", "instance/zone 'projects/1/zones/central' does not end in a zone name")]
    [InlineData("my-project", "us-central1-a", "VM_1", "instance/name 'VM_1' is not a GCE instance name")]
    public void Bad_metadata_values_are_rejected_by_name(string project, string zone, string instance, string message)
    {
        var error = Assert.Throws<GkeException>(() => NodeLocation.Create(project, zone, instance));
        Assert.Contains(message, error.Message);
    }

    [Fact]
    public void The_recorded_location_is_used_when_complete()
    {
        var resources = CloudResources.None.WithValue("project", "my-project").WithValue("zone", "europe-west4-b").WithValue("instance", "node-7");
        Assert.Equal(new NodeLocation("my-project", "europe-west4-b", "europe-west4", "node-7"), NodeLocation.FromResources(resources));
        Assert.Null(NodeLocation.FromResources(CloudResources.None));
    }

    [Fact]
    public void The_subnetwork_comes_from_the_nic_url_with_its_own_project()
    {
        var reference = SubnetworkRef.FromUrl("https://www.googleapis.com/compute/v1/projects/host-project/regions/us-east4/subnetworks/shared");
        Assert.Equal(new SubnetworkRef("host-project", "us-east4", "shared"), reference);
        Assert.Equal("projects/host-project/regions/us-east4/subnetworks/shared", reference!.Path);
        Assert.Null(SubnetworkRef.FromUrl("https://www.googleapis.com/compute/v1/projects/p/global/networks/default"));
    }

    [Fact]
    public void Endpoints_default_to_google_and_overrides_are_validated()
    {
        var options = new GkeOptions();
        Assert.Equal(new Uri("https://compute.googleapis.com/compute/v1/"), options.ComputeBase());
        Assert.Equal(new Uri("http://169.254.169.254/"), options.MetadataBase());

        options.ComputeEndpoint = "http://127.0.0.1:8080/compute/v1";
        Assert.Equal(new Uri("http://127.0.0.1:8080/compute/v1/"), options.ComputeBase());
        options.MetadataHost = "127.0.0.1:8080";
        Assert.Equal(new Uri("http://127.0.0.1:8080/"), options.MetadataBase());

        options.ComputeEndpoint = "ftp://x/";
        Assert.Contains("CLOUDSDK_API_ENDPOINT_OVERRIDES_COMPUTE=ftp://x/ is not an http(s) URL", Assert.Throws<GkeException>(options.ComputeBase).Message);
        options.MetadataHost = "http://127.0.0.1/";
        Assert.Contains("GCE_METADATA_HOST=http://127.0.0.1/ is not host[:port]", Assert.Throws<GkeException>(options.MetadataBase).Message);
    }
}
