namespace CocoonNet.Emulators.Kubernetes;

/// <summary>One emulated resource type: where it lives in the REST tree and what its objects look like.</summary>
/// <param name="HasStatus">Whether the type has a /status subresource (Node does; Lease and Event do not).</param>
internal sealed record ApiResource(string Prefix, string Plural, string Kind, string ApiVersion, bool Namespaced, bool HasStatus)
{
    /// <summary>The "group" of Status details: "" for the core group.</summary>
    public string Group => ApiVersion.Contains('/', StringComparison.Ordinal) ? ApiVersion[..ApiVersion.IndexOf('/', StringComparison.Ordinal)] : "";

    /// <summary>plural.group, as the apiserver names a resource in its messages ("leases.coordination.k8s.io").</summary>
    public string QualifiedName => Group.Length == 0 ? Plural : $"{Plural}.{Group}";

    // Reference: kubernetes.io/docs/reference/kubernetes-api/cluster-resources/node-v1 (cluster-scoped,
    // /api/v1/nodes, /status), cluster-resources/lease-v1 (/apis/coordination.k8s.io/v1/namespaces/{ns}/leases),
    // cluster-resources/event-v1 (events.k8s.io/v1) and core v1 Event (/api/v1/namespaces/{ns}/events).
    public static readonly ApiResource Nodes = new("/api/v1", "nodes", "Node", "v1", Namespaced: false, HasStatus: true);
    public static readonly ApiResource Leases = new("/apis/coordination.k8s.io/v1", "leases", "Lease", "coordination.k8s.io/v1", Namespaced: true, HasStatus: false);
    // The two Event APIs keep separate objects here (the apiserver serves one stored Event through both versions):
    // tests list events through the API version they were written with.
    public static readonly ApiResource CoreEvents = new("/api/v1", "events", "Event", "v1", Namespaced: true, HasStatus: false);
    public static readonly ApiResource Events = new("/apis/events.k8s.io/v1", "events", "Event", "events.k8s.io/v1", Namespaced: true, HasStatus: false);

    public static readonly IReadOnlyList<ApiResource> All = [Nodes, Leases, CoreEvents, Events];
}

/// <summary>A request path taken apart: the resource, the namespace (null: all / cluster-scoped), name and subresource.</summary>
internal sealed record ApiPath(ApiResource Resource, string? Namespace, string? Name, string? Subresource)
{
    /// <summary>
    /// Parses /{prefix}/[namespaces/{ns}/]{plural}[/{name}[/{subresource}]]. Namespaces need not be created first:
    /// the emulator treats every namespace as existing (the real apiserver answers 404 for a missing namespace; the
    /// tests never depend on that).
    /// </summary>
    public static ApiPath? Parse(string path)
    {
        foreach (var resource in ApiResource.All)
        {
            if (!path.StartsWith(resource.Prefix + "/", StringComparison.Ordinal))
            {
                continue;
            }

            var parts = path[(resource.Prefix.Length + 1)..].Split('/', StringSplitOptions.RemoveEmptyEntries);
            string? ns = null;
            var i = 0;
            if (resource.Namespaced && parts.Length >= 3 && parts[0] == "namespaces")
            {
                ns = parts[1];
                i = 2;
            }

            if (parts.Length <= i || parts[i] != resource.Plural || parts.Length > i + 3)
            {
                continue;
            }

            var name = parts.Length > i + 1 ? Uri.UnescapeDataString(parts[i + 1]) : null;
            var sub = parts.Length > i + 2 ? parts[i + 2] : null;
            if (sub is not null && (sub != "status" || !resource.HasStatus))
            {
                return null;
            }

            // A namespaced object is only addressed inside its namespace; listing across namespaces has no name.
            if (resource.Namespaced && ns is null && name is not null)
            {
                return null;
            }

            return new ApiPath(resource, ns, name, sub);
        }

        return null;
    }
}
