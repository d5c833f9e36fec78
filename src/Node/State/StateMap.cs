using System.Collections;
using System.Collections.Immutable;
using System.Text.Json.Serialization;

namespace CocoonNet.Node.State;

/// <summary>
/// A pool.json object of strings or lists of strings by key: <c>cloud</c> (a provider's own resource facts)
/// and <c>settings</c> (the plugin's recorded settings, strings only). Immutable, kept in ordinal key order
/// (the order they are written in), with value equality.
/// </summary>
[JsonConverter(typeof(StateMapJsonConverter))]
internal sealed class StateMap : IReadOnlyDictionary<string, StateValue>, IEquatable<StateMap>
{
    private readonly ImmutableSortedDictionary<string, StateValue> _entries;

    private StateMap(ImmutableSortedDictionary<string, StateValue> entries) => _entries = entries;

    public static StateMap Empty { get; } = new(ImmutableSortedDictionary.Create<string, StateValue>(StringComparer.Ordinal));

    /// <summary>The entries; a repeated key keeps its last value (as JSON reading does for every key).</summary>
    public static StateMap From(IEnumerable<KeyValuePair<string, StateValue>> entries)
    {
        var builder = ImmutableSortedDictionary.CreateBuilder<string, StateValue>(StringComparer.Ordinal);
        foreach (var (key, value) in entries)
        {
            builder[key] = value;
        }

        return new(builder.ToImmutable());
    }

    /// <summary>String values by key, then lists by key (a key in both keeps its list).</summary>
    public static StateMap From(
        IEnumerable<KeyValuePair<string, string>> values,
        IEnumerable<KeyValuePair<string, IReadOnlyList<string>>>? lists = null)
        => From(values.Select(v => KeyValuePair.Create(v.Key, StateValue.Of(v.Value)))
            .Concat((lists ?? []).Select(l => KeyValuePair.Create(l.Key, StateValue.Of(l.Value)))));

    /// <summary>The entries that are strings (the contract's CloudResources.Values).</summary>
    public IReadOnlyDictionary<string, string> Values =>
        _entries.Where(e => e.Value.Text is not null).ToDictionary(e => e.Key, e => e.Value.Text!, StringComparer.Ordinal);

    /// <summary>The entries that are lists (the contract's CloudResources.Lists).</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<string>> Lists =>
        _entries.Where(e => e.Value.List is not null)
            .ToDictionary(e => e.Key, e => (IReadOnlyList<string>)e.Value.List!, StringComparer.Ordinal);

    public int Count => _entries.Count;

    public StateValue this[string key] => _entries[key];

    public IEnumerable<string> Keys => _entries.Keys;

    IEnumerable<StateValue> IReadOnlyDictionary<string, StateValue>.Values => _entries.Values;

    public bool ContainsKey(string key) => _entries.ContainsKey(key);

    public bool TryGetValue(string key, out StateValue value) => _entries.TryGetValue(key, out value!);

    public bool Equals(StateMap? other) =>
        other is not null && Count == other.Count
        && _entries.All(e => other._entries.TryGetValue(e.Key, out var value) && value == e.Value);

    public override bool Equals(object? obj) => Equals(obj as StateMap);

    public override int GetHashCode()
    {
        var hash = new HashCode();
        foreach (var (key, value) in _entries)
        {
            hash.Add(key, StringComparer.Ordinal);
            hash.Add(value);
        }

        return hash.ToHashCode();
    }

    public static bool operator ==(StateMap? left, StateMap? right) => left is null ? right is null : left.Equals(right);

    public static bool operator !=(StateMap? left, StateMap? right) => !(left == right);

    public IEnumerator<KeyValuePair<string, StateValue>> GetEnumerator() => _entries.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
