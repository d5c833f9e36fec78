using System.Globalization;
using System.Text.Json.Nodes;
using System.Threading.Channels;

namespace CocoonNet.Emulators.Kubernetes;

/// <summary>One change, as a watch reports it (api-concepts, "Efficient detection of changes": ADDED, MODIFIED, DELETED).</summary>
internal sealed record Change(string Type, ApiResource Resource, long ResourceVersion, JsonObject Object, JsonObject? Old);

/// <summary>An open watch: its filter and the changes waiting to be written to it.</summary>
internal sealed class Watcher(ApiResource resource, string? ns, Selector selector)
{
    public Channel<Change> Changes { get; } = Channel.CreateUnbounded<Change>();

    public bool Wants(Change change, out string type)
    {
        type = change.Type;
        if (change.Resource != resource || (ns is not null && Store.NamespaceOf(change.Object) != ns))
        {
            return false;
        }

        // An object that starts or stops matching the selector is ADDED / DELETED for this watch, as the
        // apiserver's watch cache filters (k8s.io/apiserver/pkg/storage/cacher: cacheWatcher.convertToWatchEvent).
        var now = change.Type != "DELETED" && selector.Matches(change.Object);
        var before = change.Old is not null && selector.Matches(change.Old);
        if (change.Type == "DELETED")
        {
            return selector.Matches(change.Object);
        }

        type = (before, now) switch
        {
            (true, true) => "MODIFIED",
            (false, true) => "ADDED",
            (true, false) => "DELETED",
            _ => "",
        };
        return type.Length > 0;
    }
}

/// <summary>
/// All objects, one global resourceVersion counter (a string to clients, increasing with every write, as etcd's
/// revision; api-concepts "Resource versions": clients must treat it as opaque) and the change history watches
/// resume from. One lock makes every write atomic: of 20 concurrent creates of one name exactly one wins.
/// </summary>
internal sealed class Store(EmulatorOptions options, TimeProvider time)
{
    private readonly Lock _lock = new();
    private readonly Dictionary<(ApiResource, string, string), JsonObject> _objects = [];
    private readonly LinkedList<Change> _history = new();
    private readonly List<Watcher> _watchers = [];
    private long _resourceVersion = 1;
    private long _compactedThrough;

    public static string NamespaceOf(JsonObject obj) => obj["metadata"]?["namespace"]?.GetValue<string>() ?? "";

    public static string? ResourceVersionOf(JsonObject? obj) => obj?["metadata"]?["resourceVersion"]?.GetValue<string>();

    public long ResourceVersion
    {
        get
        {
            lock (_lock)
            {
                return _resourceVersion;
            }
        }
    }

    public (int Code, JsonObject Body) Create(ApiPath at, JsonObject body)
    {
        var r = at.Resource;
        var metadata = body["metadata"] as JsonObject ?? [];
        body["metadata"] = metadata;
        if (metadata["name"]?.GetValue<string>() is not { Length: > 0 } && metadata["generateName"]?.GetValue<string>() is { Length: > 0 } prefix)
        {
            // generateName: the prefix and five random characters (object-meta docs, metadata.generateName).
            metadata["name"] = prefix + Guid.NewGuid().ToString("N")[..5];
        }

        if (metadata["name"]?.GetValue<string>() is not { Length: > 0 } name)
        {
            return (422, KubeStatus.Invalid(r, "", "metadata.name: Required value: name or generateName is required"));
        }

        if (r.Namespaced)
        {
            var bodyNs = metadata["namespace"]?.GetValue<string>();
            if (bodyNs is { Length: > 0 } && bodyNs != at.Namespace)
            {
                return (400, KubeStatus.BadRequest("the namespace of the provided object does not match the namespace sent on the request"));
            }

            metadata["namespace"] = at.Namespace;
        }

        lock (_lock)
        {
            var key = (r, at.Namespace ?? "", name);
            if (_objects.ContainsKey(key))
            {
                return (409, KubeStatus.AlreadyExists(r, name));
            }

            // System fields the server sets (object-meta: uid, creationTimestamp, resourceVersion are read-only).
            metadata["uid"] = Guid.NewGuid().ToString();
            metadata["creationTimestamp"] = Timestamp();
            metadata.Remove("resourceVersion");
            metadata.Remove("generateName");
            body["kind"] = r.Kind;
            body["apiVersion"] = r.ApiVersion;
            Write(key, body, "ADDED", old: null);
            return (201, (JsonObject)body.DeepClone());
        }
    }

    public JsonObject? Get(ApiPath at)
    {
        lock (_lock)
        {
            return _objects.TryGetValue(Key(at), out var obj) ? (JsonObject)obj.DeepClone() : null;
        }
    }

    public (List<JsonObject> Items, long ResourceVersion) List(ApiResource r, string? ns, Selector selector)
    {
        lock (_lock)
        {
            var items = _objects.Where(o => o.Key.Item1 == r && (ns is null || o.Key.Item2 == ns) && selector.Matches(o.Value))
                .OrderBy(o => o.Key.Item2, StringComparer.Ordinal).ThenBy(o => o.Key.Item3, StringComparer.Ordinal)
                .Select(o => (JsonObject)o.Value.DeepClone()).ToList();
            return (items, _resourceVersion);
        }
    }

    /// <summary>
    /// PUT and the result of a PATCH. A non-empty metadata.resourceVersion must be the current one, else 409
    /// Conflict (api-concepts "Resource versions" / API conventions "Concurrency Control and Consistency"). Through the
    /// main resource the status is kept as it was (kubernetes pkg/registry/core/node/strategy.go, nodeStrategy
    /// PrepareForUpdate: "newNode.Status = oldNode.Status"); through /status the spec is kept as it was but metadata
    /// and status change (nodeStatusStrategy.PrepareForUpdate: "newNode.Spec = oldNode.Spec", and its reset fields
    /// are only "spec"; k8s.io/component-helpers node PatchNodeStatus: "we don't reset ObjectMeta here, because ...
    /// Some component does use this to update node annotations"). Unlike a custom resource's /status, a Node's
    /// /status can change labels and annotations.
    /// </summary>
    public (int Code, JsonObject Body) Update(ApiPath at, JsonObject body, Func<JsonObject, JsonObject>? patch = null)
    {
        var r = at.Resource;
        var name = at.Name!;
        lock (_lock)
        {
            var key = Key(at);
            if (!_objects.TryGetValue(key, out var old))
            {
                return (404, KubeStatus.NotFound(r, name));
            }

            if (patch is not null)
            {
                body = patch(old);
            }

            var metadata = body["metadata"] as JsonObject ?? [];
            if (metadata["name"]?.GetValue<string>() is { } bodyName && bodyName != name)
            {
                return (400, KubeStatus.BadRequest($"the name of the object ({bodyName}) does not match the name on the URL ({name})"));
            }

            if (metadata["resourceVersion"]?.GetValue<string>() is { Length: > 0 } rv && rv != ResourceVersionOf(old))
            {
                return (409, KubeStatus.Conflict(r, name, "the object has been modified; please apply your changes to the latest version and try again"));
            }

            JsonObject updated;
            if (at.Subresource == "status")
            {
                updated = (JsonObject)body.DeepClone();
                Keep(updated, old, "spec");
            }
            else
            {
                updated = (JsonObject)body.DeepClone();
                if (r.HasStatus)
                {
                    Keep(updated, old, "status");
                }
            }

            var newMeta = updated["metadata"] as JsonObject ?? [];
            updated["metadata"] = newMeta;
            var oldMeta = (JsonObject)old["metadata"]!;
            foreach (var field in new[] { "name", "namespace", "uid", "creationTimestamp", "resourceVersion" })
            {
                newMeta.Remove(field);
                if (oldMeta[field] is { } v)
                {
                    newMeta[field] = v.DeepClone();
                }
            }

            updated["kind"] = r.Kind;
            updated["apiVersion"] = r.ApiVersion;

            // A write that changes nothing is not written: no new resourceVersion, no watch event (the apiserver's
            // GuaranteedUpdate skips a no-op update).
            if (JsonNode.DeepEquals(updated, old))
            {
                return (200, (JsonObject)old.DeepClone());
            }

            Write(key, updated, "MODIFIED", old);
            return (200, (JsonObject)updated.DeepClone());
        }
    }

    /// <summary>DELETE with optional preconditions (DeleteOptions.preconditions uid / resourceVersion: 409 Conflict on a mismatch).</summary>
    public (int Code, JsonObject Body) Delete(ApiPath at, string? uid, string? resourceVersion)
    {
        var r = at.Resource;
        var name = at.Name!;
        lock (_lock)
        {
            var key = Key(at);
            if (!_objects.TryGetValue(key, out var old))
            {
                return (404, KubeStatus.NotFound(r, name));
            }

            var actualUid = old["metadata"]?["uid"]?.GetValue<string>();
            if (uid is { Length: > 0 } && uid != actualUid)
            {
                return (409, KubeStatus.Conflict(r, name, $"Precondition failed: UID in precondition: {uid}, UID in object meta: {actualUid}"));
            }

            if (resourceVersion is { Length: > 0 } && resourceVersion != ResourceVersionOf(old))
            {
                return (409, KubeStatus.Conflict(r, name, $"Precondition failed: ResourceVersion in precondition: {resourceVersion}, ResourceVersion in object meta: {ResourceVersionOf(old)}"));
            }

            _objects.Remove(key);
            var gone = (JsonObject)old.DeepClone();
            Record("DELETED", r, gone, old);
            return (200, KubeStatus.Success(r, name, actualUid));
        }
    }

    /// <summary>
    /// Opens a watch. resourceVersion unset or "0": synthetic ADDED events for what exists, then changes
    /// (api-concepts "Semantics for watch": "Get State and Start at Most Recent" / "Start at Any"). A resourceVersion
    /// N: every change after N; older than the kept history: null (the caller answers 410 Gone "Expired").
    /// </summary>
    public (Watcher? Watcher, List<Change> Backlog) Watch(ApiResource r, string? ns, Selector selector, string? resourceVersion)
    {
        var watcher = new Watcher(r, ns, selector);
        var backlog = new List<Change>();
        lock (_lock)
        {
            if (resourceVersion is null or "" or "0")
            {
                foreach (var o in _objects.Where(o => o.Key.Item1 == r && (ns is null || o.Key.Item2 == ns) && selector.Matches(o.Value)))
                {
                    backlog.Add(new Change("ADDED", r, _resourceVersion, (JsonObject)o.Value.DeepClone(), null));
                }
            }
            else
            {
                if (!long.TryParse(resourceVersion, NumberStyles.None, CultureInfo.InvariantCulture, out var from) || from < _compactedThrough)
                {
                    return (null, backlog);
                }

                foreach (var change in _history.Where(c => c.ResourceVersion > from))
                {
                    if (watcher.Wants(change, out var type))
                    {
                        backlog.Add(change with { Type = type });
                    }
                }
            }

            _watchers.Add(watcher);
        }

        return (watcher, backlog);
    }

    public void Unwatch(Watcher watcher)
    {
        lock (_lock)
        {
            _watchers.Remove(watcher);
        }
    }

    /// <summary>Forgets the change history (as an etcd compaction does): a watch from any older resourceVersion gets 410 Gone.</summary>
    public void Compact()
    {
        lock (_lock)
        {
            _history.Clear();
            _compactedThrough = _resourceVersion;
        }
    }

    /// <summary>Removes every object (no watch events; resourceVersions keep increasing) and closes open watches.</summary>
    public void Reset()
    {
        lock (_lock)
        {
            _objects.Clear();
            _history.Clear();
            _compactedThrough = _resourceVersion;
            foreach (var w in _watchers)
            {
                w.Changes.Writer.TryComplete();
            }

            _watchers.Clear();
        }
    }

    public JsonArray Dump()
    {
        lock (_lock)
        {
            return [.. _objects.Values.Select(o => o.DeepClone())];
        }
    }

    /// <summary>Puts old's field back into updated (absent stays absent).</summary>
    private static void Keep(JsonObject updated, JsonObject old, string field)
    {
        updated.Remove(field);
        if (old[field] is { } value)
        {
            updated[field] = value.DeepClone();
        }
    }

    private static (ApiResource, string, string) Key(ApiPath at) => (at.Resource, at.Namespace ?? "", at.Name!);

    private void Write((ApiResource, string, string) key, JsonObject obj, string type, JsonObject? old)
    {
        _objects[key] = obj;
        Record(type, key.Item1, obj, old);
    }

    private void Record(string type, ApiResource r, JsonObject obj, JsonObject? old)
    {
        _resourceVersion++;
        ((JsonObject)obj["metadata"]!)["resourceVersion"] = _resourceVersion.ToString(CultureInfo.InvariantCulture);
        var change = new Change(type, r, _resourceVersion, (JsonObject)obj.DeepClone(), old is null ? null : (JsonObject)old.DeepClone());
        _history.AddLast(change);
        while (_history.Count > options.HistorySize)
        {
            _compactedThrough = _history.First!.Value.ResourceVersion;
            _history.RemoveFirst();
        }

        foreach (var watcher in _watchers)
        {
            if (watcher.Wants(change, out var t))
            {
                watcher.Changes.Writer.TryWrite(change with { Type = t });
            }
        }
    }

    private string Timestamp() => time.GetUtcNow().UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
}
