using CocoonNet.Providers.Gke.GuestAgent;

namespace CocoonNet.Gke.Tests.Unit;

public sealed class InstanceConfigTests
{
    private const string Existing = """
        # Managed by the image build.
        [Accounts]
        deprovision_remove = true

        [IpForwarding]
        ethernet_proto_id = 66
        ip_aliases = true
        target_instance_ips = true

        [NetworkInterfaces]
        setup = true

        """;

    [Fact]
    public void An_existing_value_is_rewritten_in_place_and_nothing_else_moves()
    {
        var edited = InstanceConfig.Set(Existing, "false");
        Assert.Equal(Existing.Replace("ip_aliases = true", "ip_aliases = false", StringComparison.Ordinal), edited);
    }

    [Fact]
    public void A_missing_key_goes_at_the_end_of_its_section()
    {
        var text = "[IpForwarding]\nethernet_proto_id = 66\n\n[Other]\na = b\n";
        Assert.Equal("[IpForwarding]\nethernet_proto_id = 66\nip_aliases = false\n\n[Other]\na = b\n", InstanceConfig.Set(text, "false"));
    }

    [Fact]
    public void A_missing_section_is_appended_and_an_empty_file_gets_just_that()
    {
        Assert.Equal("[Accounts]\na = b\n\n[IpForwarding]\nip_aliases = false\n", InstanceConfig.Set("[Accounts]\na = b\n", "false"));
        Assert.Equal("[IpForwarding]\nip_aliases = false\n", InstanceConfig.Set(null, "false"));
    }

    [Fact]
    public void Reading_follows_go_ini_last_wins_and_ignores_case_and_comments()
    {
        Assert.Equal("false", InstanceConfig.Get("[ipforwarding]\nIP_ALIASES=true\n# ip_aliases = x\nip_aliases : false\n"));
        Assert.Null(InstanceConfig.Get("[Other]\nip_aliases = false\n"));
        Assert.Null(InstanceConfig.Get(null));
        Assert.True(InstanceConfig.IsFalse("False"));
        Assert.True(InstanceConfig.IsFalse("0"));
        Assert.False(InstanceConfig.IsFalse("true"));
        Assert.False(InstanceConfig.IsFalse(null));
    }

    [Fact]
    public void Removing_restores_the_file_we_started_from()
    {
        var original = "[Accounts]\na = b\n";
        Assert.Equal(original, InstanceConfig.Remove(InstanceConfig.Set(original, "false"), dropEmptySection: true));
        var withSection = "[IpForwarding]\nethernet_proto_id = 66\n";
        Assert.Equal(withSection, InstanceConfig.Remove(InstanceConfig.Set(withSection, "false"), dropEmptySection: false));
        Assert.Equal("", InstanceConfig.Remove(InstanceConfig.Set(null, "false"), dropEmptySection: true));
    }

    [Fact]
    public void A_section_with_other_keys_survives_removal()
    {
        var text = "[IpForwarding]\nip_aliases = false\ntarget_instance_ips = true\n";
        Assert.Equal("[IpForwarding]\ntarget_instance_ips = true\n", InstanceConfig.Remove(text, dropEmptySection: true));
    }
}
