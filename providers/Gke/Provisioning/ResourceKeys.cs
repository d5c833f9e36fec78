namespace CocoonNet.Providers.Gke.Provisioning;

/// <summary>Keys of <c>CloudResources.Extra</c> ("cloud" in pool.json) that this plugin owns.</summary>
internal static class ResourceKeys
{
    public const string Project = "project";
    public const string Zone = "zone";
    public const string Instance = "instance";
    public const string Subnetwork = "subnetwork";

    /// <summary>The alias CIDR this node holds (or is about to) on nic0, in range <c>cocoon-pods</c>.</summary>
    public const string AliasIpRange = "aliasIpRange";

    /// <summary>
    /// Prefix of one key per guest-agent config file cocoon-net changed (the host path follows the prefix);
    /// the value says what the setting was before, so teardown can put it back.
    /// </summary>
    public const string GuestAgentPrefix = "guestAgent:";
}
