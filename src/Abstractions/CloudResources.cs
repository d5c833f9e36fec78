using System.Collections.ObjectModel;

namespace CocoonNet.Abstractions;

/// <summary>
/// What a provider records in pool.json to find its resources again: string values and string lists under
/// keys of the provider's choosing (letters, digits, '.', '_' and '-'). Immutable; compare with <c>==</c>
/// (value equality). Never put secrets here.
/// <para>
/// pool.json keeps upstream's layout: the keys <see cref="SubnetIdKey"/> (a value), <see cref="EniIdsKey"/>
/// (a list) and <see cref="AliasRangeNameKey"/> (a value) are written at its top level, where upstream's
/// tools read them; every other key goes under <c>cloud</c>.
/// </para>
/// </summary>
public sealed record CloudResources
{
    /// <summary>pool.json's top-level <c>subnetID</c> (upstream: the Volcengine VM subnet).</summary>
    public const string SubnetIdKey = "subnetID";

    /// <summary>pool.json's top-level <c>eniIDs</c> (upstream: the Volcengine secondary ENIs).</summary>
    public const string EniIdsKey = "eniIDs";

    /// <summary>pool.json's top-level <c>aliasRangeName</c> (upstream: the GKE secondary range).</summary>
    public const string AliasRangeNameKey = "aliasRangeName";

    private static readonly IReadOnlyDictionary<string, string> NoValues = ReadOnlyDictionary<string, string>.Empty;
    private static readonly IReadOnlyDictionary<string, IReadOnlyList<string>> NoLists = ReadOnlyDictionary<string, IReadOnlyList<string>>.Empty;

    /// <summary>Nothing recorded.</summary>
    public static CloudResources None { get; } = new();

    /// <summary>Single values by key.</summary>
    public IReadOnlyDictionary<string, string> Values { get; init; } = NoValues;

    /// <summary>Lists by key (order kept).</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<string>> Lists { get; init; } = NoLists;

    /// <summary>True when nothing is recorded.</summary>
    public bool IsEmpty => Values.Count == 0 && Lists.Count == 0;

    /// <summary>The value under <paramref name="key"/>, or null.</summary>
    public string? Value(string key) => Values.TryGetValue(key, out var value) ? value : null;

    /// <summary>The list under <paramref name="key"/>, empty when none.</summary>
    public IReadOnlyList<string> List(string key) => Lists.TryGetValue(key, out var list) ? list : [];

    /// <summary>A copy with <paramref name="key"/> set to <paramref name="value"/>, or removed when it is null.</summary>
    public CloudResources WithValue(string key, string? value)
    {
        var values = new Dictionary<string, string>(Values, StringComparer.Ordinal);
        if (value is null)
        {
            values.Remove(key);
        }
        else
        {
            values[key] = value;
        }

        return this with { Values = values.AsReadOnly() };
    }

    /// <summary>A copy with <paramref name="key"/> set to <paramref name="list"/>, or removed when it is null or empty.</summary>
    public CloudResources WithList(string key, IEnumerable<string>? list)
    {
        var lists = new Dictionary<string, IReadOnlyList<string>>(Lists, StringComparer.Ordinal);
        var items = list?.ToArray() ?? [];
        if (items.Length == 0)
        {
            lists.Remove(key);
        }
        else
        {
            lists[key] = Array.AsReadOnly(items);
        }

        return this with { Lists = lists.AsReadOnly() };
    }

    /// <summary>Same keys with the same values and the same lists in the same order.</summary>
    public bool Equals(CloudResources? other) =>
        other is not null
        && Values.Count == other.Values.Count
        && Lists.Count == other.Lists.Count
        && Values.All(pair => other.Values.TryGetValue(pair.Key, out var value) && value == pair.Value)
        && Lists.All(pair => other.Lists.TryGetValue(pair.Key, out var list) && list.SequenceEqual(pair.Value, StringComparer.Ordinal));

    /// <inheritdoc/>
    public override int GetHashCode()
    {
        var hash = 0;
        foreach (var (key, value) in Values)
        {
            hash ^= HashCode.Combine(key, value);
        }

        foreach (var (key, list) in Lists)
        {
            hash ^= HashCode.Combine(key, list.Count);
        }

        return hash;
    }
}
