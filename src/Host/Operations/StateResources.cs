using CocoonNet.Abstractions;
using CocoonNet.Host.State;

namespace CocoonNet.Host.Operations;

/// <summary>
/// A provider's <see cref="CloudResources"/> in pool.json: upstream's top-level <c>subnetID</c>, <c>eniIDs</c>
/// and <c>aliasRangeName</c> where upstream's tools read them, every other key under <c>cloud</c>.
/// </summary>
internal static class StateResources
{
    public static CloudResources Of(PoolState state)
    {
        var resources = CloudResources.None
            .WithValue(CloudResources.SubnetIdKey, state.SubnetId)
            .WithList(CloudResources.EniIdsKey, state.EniIds)
            .WithValue(CloudResources.AliasRangeNameKey, state.AliasRangeName);
        foreach (var (key, value) in state.Cloud ?? [])
        {
            resources = resources.WithValue(key, value);
        }

        return resources;
    }

    public static PoolState With(PoolState state, CloudResources resources)
    {
        if (resources.Lists.Keys.FirstOrDefault(key => key != CloudResources.EniIdsKey) is { } unsupported)
        {
            throw new InvalidOperationException($"the plugin recorded a list under \"{unsupported}\"; only {CloudResources.EniIdsKey} may hold a list");
        }

        var cloud = resources.Values
            .Where(pair => pair.Key is not (CloudResources.SubnetIdKey or CloudResources.AliasRangeNameKey))
            .ToDictionary(pair => pair.Key, pair => pair.Value, StringComparer.Ordinal);
        var enis = resources.List(CloudResources.EniIdsKey);
        return state with
        {
            SubnetId = resources.Value(CloudResources.SubnetIdKey),
            EniIds = enis.Count > 0 ? [.. enis] : null,
            AliasRangeName = resources.Value(CloudResources.AliasRangeNameKey),
            Cloud = cloud.Count > 0 ? cloud : null,
        };
    }
}
