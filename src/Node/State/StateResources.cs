using CocoonNet.Abstractions;

namespace CocoonNet.Node.State;

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
        foreach (var (key, value) in state.Cloud?.Values ?? new Dictionary<string, string>())
        {
            resources = resources.WithValue(key, value);
        }

        foreach (var (key, list) in state.Cloud?.Lists ?? new Dictionary<string, IReadOnlyList<string>>())
        {
            resources = resources.WithList(key, list);
        }

        return resources;
    }

    /// <exception cref="InvalidOperationException">The plugin used a key the contract does not allow.</exception>
    public static PoolState With(PoolState state, CloudResources resources)
    {
        if (resources.Values.Keys.Concat(resources.Lists.Keys).FirstOrDefault(key => !IsKey(key)) is { } bad)
        {
            throw new InvalidOperationException(
                $"the plugin recorded a resource under \"{bad}\"; keys are 1-64 letters, digits, '.', '_' and '-' (a defect of the plugin)");
        }

        var values = resources.Values.Where(pair => pair.Key is not (CloudResources.SubnetIdKey or CloudResources.AliasRangeNameKey));
        var lists = resources.Lists.Where(pair => pair.Key != CloudResources.EniIdsKey);
        var cloud = StateMap.From(values, lists);
        var enis = resources.List(CloudResources.EniIdsKey);
        return state with
        {
            SubnetId = resources.Value(CloudResources.SubnetIdKey),
            EniIds = enis.Count > 0 ? [.. enis] : null,
            AliasRangeName = resources.Value(CloudResources.AliasRangeNameKey),
            Cloud = cloud.Count > 0 ? cloud : null,
        };
    }

    private static bool IsKey(string key) =>
        key.Length is >= 1 and <= 64 && key.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-');
}
