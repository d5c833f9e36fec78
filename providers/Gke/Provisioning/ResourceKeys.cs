using CocoonNet.Abstractions;

namespace CocoonNet.Providers.Gke.Provisioning;

/// <summary>
/// Keys of the values this plugin records in <see cref="CloudResources"/> (pool.json's <c>cloud</c> section,
/// besides <see cref="CloudResources.AliasRangeNameKey"/> at its top level).
/// </summary>
internal static class ResourceKeys
{
    public const string Project = "project";
    public const string Zone = "zone";
    public const string Instance = "instance";
    public const string Subnetwork = "subnetwork";

    /// <summary>The alias CIDR this node holds (or is about to) on nic0, in range <c>cocoon-pods</c>.</summary>
    public const string AliasIpRange = "aliasIpRange";

    /// <summary>
    /// Prefix of one key per guest-agent config file cocoon-net changed (the file's name follows, e.g.
    /// <c>guestAgent.instance_configs.cfg</c>); the value says what the setting was before, so teardown can
    /// put it back.
    /// </summary>
    public const string GuestAgentPrefix = "guestAgent.";

    /// <summary>
    /// The same record as written before contract 2 (<c>guestAgent:/etc/default/instance_configs.cfg</c>):
    /// keys may no longer hold ':' or '/', so such records are read and rewritten under the new key.
    /// </summary>
    public const string LegacyGuestAgentPrefix = "guestAgent:";

    /// <summary>The record key of the guest-agent file <paramref name="path"/>.</summary>
    public static string GuestAgentKey(string path) => GuestAgentPrefix + Path.GetFileName(path);

    /// <summary>The file of <paramref name="key"/> among <paramref name="layers"/>, or null when it names none.</summary>
    public static string? GuestAgentPath(string key, IReadOnlyList<string> layers)
    {
        if (key.StartsWith(LegacyGuestAgentPrefix, StringComparison.Ordinal))
        {
            var path = key[LegacyGuestAgentPrefix.Length..];
            return layers.Contains(path, StringComparer.Ordinal) ? path : null;
        }

        return key.StartsWith(GuestAgentPrefix, StringComparison.Ordinal)
            ? layers.FirstOrDefault(l => GuestAgentKey(l) == key)
            : null;
    }

    /// <summary><paramref name="resources"/> with records of an older cocoon-net moved to today's keys.</summary>
    public static CloudResources Upgrade(CloudResources resources)
    {
        var upgraded = resources;
        foreach (var (key, value) in resources.Values)
        {
            if (key.StartsWith(LegacyGuestAgentPrefix, StringComparison.Ordinal))
            {
                var modern = GuestAgentKey(key[LegacyGuestAgentPrefix.Length..]);
                upgraded = upgraded.WithValue(key, null);
                if (upgraded.Value(modern) is null)
                {
                    upgraded = upgraded.WithValue(modern, value);
                }
            }
        }

        return upgraded;
    }
}
