using System.Text.Json.Nodes;

namespace CocoonNet.Emulators.Kubernetes;

/// <summary>The three PATCH content types of the apiserver (api-concepts, "Patch"; kubectl docs "Update API Objects in Place Using kubectl patch").</summary>
internal static class Patching
{
    /// <summary>Applies a patch to a copy of <paramref name="target"/>; throws <see cref="PatchException"/> for a bad patch.</summary>
    public static JsonObject Apply(JsonObject target, string contentType, JsonNode? patch)
    {
        var mediaType = contentType.Split(';')[0].Trim();
        var copy = (JsonObject)target.DeepClone();
        return mediaType switch
        {
            "application/merge-patch+json" => Merge(copy, patch) as JsonObject ?? throw new PatchException("the patch must be a JSON object"),
            "application/strategic-merge-patch+json" => Strategic(copy, patch as JsonObject ?? throw new PatchException("the patch must be a JSON object"), ""),
            "application/json-patch+json" => JsonPatch(copy, patch as JsonArray ?? throw new PatchException("a JSON patch must be an array of operations")),
            // Server-side apply (application/apply-patch+yaml) is not modelled: 415 as for any unknown type.
            _ => throw new PatchException($"the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/strategic-merge-patch+json", 415),
        };
    }

    /// <summary>RFC 7386 JSON Merge Patch: objects merge recursively, null deletes a member, anything else (lists too) replaces.</summary>
    public static JsonNode? Merge(JsonNode? target, JsonNode? patch)
    {
        if (patch is not JsonObject p)
        {
            return patch?.DeepClone();
        }

        var t = target as JsonObject ?? [];
        foreach (var (key, value) in p)
        {
            if (value is null)
            {
                t.Remove(key);
            }
            else
            {
                var merged = Merge(t[key], value);
                t.Remove(key);
                t[key] = merged;
            }
        }

        return t;
    }

    /// <summary>
    /// Lists that merge by a key in a strategic merge patch: the patchStrategy "merge" / patchMergeKey tags of the
    /// Kubernetes types (k8s.io/api/core/v1/types.go: NodeStatus.Conditions and NodeStatus.Addresses patchMergeKey
    /// "type"; ObjectMeta.OwnerReferences "uid"; ObjectMeta.Finalizers and NodeSpec.PodCIDRs merge as sets of
    /// primitives, key null). Every other list is replaced whole, as without the tag (docs: "Notes on the strategic
    /// merge patch" - "the default patch strategy is replace").
    /// </summary>
    private static readonly Dictionary<string, string?> MergeLists = new()
    {
        ["status.conditions"] = "type",
        ["status.addresses"] = "type",
        ["metadata.ownerReferences"] = "uid",
        ["metadata.finalizers"] = null,
        ["spec.podCIDRs"] = null,
    };

    private static JsonObject Strategic(JsonObject target, JsonObject patch, string path)
    {
        // "$patch": "replace" on a map replaces it whole; "delete" removes it (docs: strategic merge patch directives).
        if (patch["$patch"]?.GetValue<string>() == "replace")
        {
            var replaced = (JsonObject)patch.DeepClone();
            replaced.Remove("$patch");
            return replaced;
        }

        foreach (var (key, value) in patch)
        {
            if (key.StartsWith("$deleteFromPrimitiveList/", StringComparison.Ordinal) && value is JsonArray removed)
            {
                var field = key["$deleteFromPrimitiveList/".Length..];
                if (target[field] is JsonArray list)
                {
                    foreach (var item in list.Where(i => removed.Any(r => JsonNode.DeepEquals(r, i))).ToList())
                    {
                        list.Remove(item);
                    }
                }

                continue;
            }

            if (key.StartsWith('$'))
            {
                // $setElementOrder/..., $retainKeys, $patch: ordering and pruning hints the emulator does not need.
                continue;
            }

            var childPath = path.Length == 0 ? key : $"{path}.{key}";
            if (value is null)
            {
                target.Remove(key);
            }
            else if (value is JsonObject childPatch)
            {
                if (childPatch["$patch"]?.GetValue<string>() == "delete")
                {
                    target.Remove(key);
                    continue;
                }

                var merged = Strategic(target[key] as JsonObject ?? [], childPatch, childPath);
                target.Remove(key);
                target[key] = merged;
            }
            else if (value is JsonArray items && MergeLists.TryGetValue(childPath, out var mergeKey))
            {
                var merged = MergeList(target[key] as JsonArray ?? [], items, mergeKey, childPath);
                target.Remove(key);
                target[key] = merged;
            }
            else
            {
                target[key] = value.DeepClone();
            }
        }

        return target;
    }

    private static JsonArray MergeList(JsonArray target, JsonArray patch, string? mergeKey, string path)
    {
        var result = (JsonArray)target.DeepClone();
        foreach (var item in patch)
        {
            if (mergeKey is null)
            {
                if (!result.Any(r => JsonNode.DeepEquals(r, item)))
                {
                    result.Add(item?.DeepClone());
                }

                continue;
            }

            if (item is not JsonObject element || element[mergeKey] is not { } keyValue)
            {
                throw new PatchException($"map: {item?.ToJsonString()} does not contain declared merge key: {mergeKey}");
            }

            var existing = result.OfType<JsonObject>().FirstOrDefault(r => JsonNode.DeepEquals(r[mergeKey], keyValue));
            if (element["$patch"]?.GetValue<string>() == "delete")
            {
                if (existing is not null)
                {
                    result.Remove(existing);
                }
            }
            else if (existing is not null)
            {
                var index = result.IndexOf(existing);
                result[index] = Strategic((JsonObject)existing.DeepClone(), element, path);
            }
            else
            {
                var added = (JsonObject)element.DeepClone();
                added.Remove("$patch");
                result.Add(added);
            }
        }

        return result;
    }

    /// <summary>RFC 6902 JSON Patch (add, remove, replace, test, move, copy) with RFC 6901 pointers (~1 is "/", ~0 is "~").</summary>
    private static JsonObject JsonPatch(JsonObject target, JsonArray operations)
    {
        JsonNode root = target;
        foreach (var node in operations)
        {
            if (node is not JsonObject operation || operation["op"]?.GetValue<string>() is not { } op || operation["path"]?.GetValue<string>() is not { } path)
            {
                throw new PatchException("every JSON patch operation needs \"op\" and \"path\"");
            }

            switch (op)
            {
                case "add":
                    Add(root, path, operation["value"]?.DeepClone());
                    break;
                case "remove":
                    Remove(root, path);
                    break;
                case "replace":
                    Remove(root, path);
                    Add(root, path, operation["value"]?.DeepClone());
                    break;
                case "test":
                    if (!JsonNode.DeepEquals(Find(root, path), operation["value"]))
                    {
                        throw new PatchException($"testing value {path} failed", 422);
                    }

                    break;
                case "move":
                case "copy":
                    var from = operation["from"]?.GetValue<string>() ?? throw new PatchException($"\"{op}\" needs \"from\"");
                    var value = Find(root, from)?.DeepClone();
                    if (op == "move")
                    {
                        Remove(root, from);
                    }

                    Add(root, path, value);
                    break;
                default:
                    throw new PatchException($"unexpected JSON patch operation \"{op}\"");
            }
        }

        return target;
    }

    private static string[] Tokens(string pointer)
    {
        if (pointer.Length == 0)
        {
            return [];
        }

        if (pointer[0] != '/')
        {
            throw new PatchException($"invalid JSON pointer \"{pointer}\"");
        }

        return pointer[1..].Split('/').Select(t => t.Replace("~1", "/", StringComparison.Ordinal).Replace("~0", "~", StringComparison.Ordinal)).ToArray();
    }

    private static (JsonNode Parent, string Token) Parent(JsonNode root, string pointer)
    {
        var tokens = Tokens(pointer);
        if (tokens.Length == 0)
        {
            throw new PatchException("the whole document cannot be patched");
        }

        var parent = Find(root, tokens[..^1]) ?? throw new PatchException($"doc is missing path: \"{pointer}\"", 422);
        return (parent, tokens[^1]);
    }

    private static JsonNode? Find(JsonNode root, string pointer) =>
        Find(root, Tokens(pointer)) ?? throw new PatchException($"doc is missing path: \"{pointer}\"", 422);

    private static JsonNode? Find(JsonNode root, string[] tokens)
    {
        JsonNode? current = root;
        foreach (var token in tokens)
        {
            current = current switch
            {
                JsonObject o => o[token],
                JsonArray a when int.TryParse(token, out var i) && i >= 0 && i < a.Count => a[i],
                _ => null,
            };
            if (current is null)
            {
                return null;
            }
        }

        return current;
    }

    private static void Add(JsonNode root, string pointer, JsonNode? value)
    {
        var (parent, token) = Parent(root, pointer);
        switch (parent)
        {
            case JsonObject o:
                o.Remove(token);
                o[token] = value;
                break;
            case JsonArray a when token == "-":
                a.Add(value);
                break;
            case JsonArray a when int.TryParse(token, out var i) && i >= 0 && i <= a.Count:
                a.Insert(i, value);
                break;
            default:
                throw new PatchException($"doc is missing path: \"{pointer}\"", 422);
        }
    }

    private static void Remove(JsonNode root, string pointer)
    {
        var (parent, token) = Parent(root, pointer);
        var removed = parent switch
        {
            JsonObject o => o.Remove(token),
            JsonArray a when int.TryParse(token, out var i) && i >= 0 && i < a.Count => Remove(a, i),
            _ => false,
        };
        if (!removed)
        {
            throw new PatchException($"doc is missing path: \"{pointer}\"", 422);
        }
    }

    private static bool Remove(JsonArray array, int index)
    {
        array.RemoveAt(index);
        return true;
    }
}

/// <summary>A patch the apiserver would refuse: 422 Invalid for a patch that does not apply, else 400/415.</summary>
internal sealed class PatchException(string message, int code = 400) : Exception(message)
{
    public int Code { get; } = code;
}
