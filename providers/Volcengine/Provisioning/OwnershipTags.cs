using CocoonNet.Providers.Volcengine.Api;

namespace CocoonNet.Providers.Volcengine.Provisioning;

/// <summary>
/// The tags that mark a subnet or ENI as cocoon-net's, for one node. They are set in the create call itself
/// (never tagged afterwards), so a resource created by a run that crashed before recording its id is still
/// recognisable as ours, and nothing without them is ever reused or deleted.
/// </summary>
internal static class OwnershipTags
{
    public const string ManagedByKey = "cocoon-net:managed-by";
    public const string ManagedByValue = "cocoon-net";
    public const string NodeKey = "cocoon-net:node";

    /// <summary>The ClientToken of the create call, so a pending create can be matched to what it made.</summary>
    public const string ClientTokenKey = "cocoon-net:client-token";

    public static IReadOnlyList<KeyValuePair<string, string>> For(string nodeName) =>
        [new(ManagedByKey, ManagedByValue), new(NodeKey, nodeName)];

    public static IReadOnlyList<KeyValuePair<string, string>> ForCreate(string nodeName, string clientToken) =>
        [.. For(nodeName), new(ClientTokenKey, clientToken)];

    public static bool IsOwnedBy(IReadOnlyList<ResourceTag>? tags, string nodeName) =>
        tags is not null
        && tags.Any(t => t.Key == ManagedByKey && t.Value == ManagedByValue)
        && tags.Any(t => t.Key == NodeKey && t.Value == nodeName);
}
