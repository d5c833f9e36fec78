using System.Collections;
using System.Runtime.CompilerServices;
using System.Text.Json.Serialization;

namespace CocoonNet.Node.State;

/// <summary>
/// An immutable, ordered list of strings with value equality (same strings, same order, ordinal). The
/// state records hold their lists as this so that the compiler-generated record equality compares them
/// by content (a <see cref="List{T}"/> compares by reference) and <c>with</c> copies are complete clones.
/// </summary>
[CollectionBuilder(typeof(StringList), nameof(Create))]
[JsonConverter(typeof(StringListJsonConverter))]
internal sealed class StringList : IReadOnlyList<string>, IEquatable<StringList>
{
    private readonly string[] _items;

    private StringList(string[] items) => _items = items;

    public static StringList Empty { get; } = new([]);

    public int Count => _items.Length;

    public string this[int index] => _items[index];

    /// <summary>Used by collection expressions: <c>StringList list = ["a", "b"];</c>.</summary>
    public static StringList Create(ReadOnlySpan<string> items) => items.IsEmpty ? Empty : new(items.ToArray());

    public static StringList From(IEnumerable<string> items) => items is StringList list ? list : Create([.. items]);

    public bool Contains(string item) => Array.IndexOf(_items, item) >= 0;

    /// <summary>A list with <paramref name="item"/> appended.</summary>
    public StringList Append(string item) => new([.. _items, item]);

    /// <summary>A list without any occurrence of <paramref name="item"/> (this one when there is none).</summary>
    public StringList Without(string item) => Contains(item) ? Create([.. _items.Where(i => i != item)]) : this;

    public bool Equals(StringList? other) =>
        other is not null && _items.AsSpan().SequenceEqual(other._items, StringComparer.Ordinal);

    public override bool Equals(object? obj) => Equals(obj as StringList);

    public override int GetHashCode()
    {
        var hash = new HashCode();
        foreach (var item in _items)
        {
            hash.Add(item, StringComparer.Ordinal);
        }

        return hash.ToHashCode();
    }

    public static bool operator ==(StringList? left, StringList? right) => left is null ? right is null : left.Equals(right);

    public static bool operator !=(StringList? left, StringList? right) => !(left == right);

    public IEnumerator<string> GetEnumerator() => ((IEnumerable<string>)_items).GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    public override string ToString() => "[" + string.Join(", ", _items) + "]";
}
